using System.Collections.Concurrent;

namespace StyleGrpc.Engine;

/// <summary>
/// Long-lived threads that runs execute on. A fresh thread per job would pay twice on its first
/// iterations: glibc gives each new thread its own malloc arena (so the warm buffers of earlier jobs
/// are not reused and every activation page faults in again), and OpenMP builds a new thread team
/// for it. Reusing a few threads keeps both warm; the benchmark measured a fresh thread per job at
/// about 5 % of a 100-iteration job (docs/performance.md). Threads are created on demand, so the
/// pool grows to the number of jobs a host runs at once and no further.
/// </summary>
internal static class EngineWorkers
{
    private static readonly ConcurrentBag<Worker> Idle = [];
    private static readonly ConcurrentQueue<Worker> All = [];
    private static int created;

    public static Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = Idle.TryTake(out var idle) ? idle : NewWorker();
        worker.Post(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
            finally
            {
                Idle.Add(worker);
            }
        });
        return completion.Task;
    }

    /// <summary>
    /// Tensors alive that were created on the workers and not disposed (each worker's own dispose-scope statistics, read on
    /// that worker after the work queued before it). Between jobs this is what runs left behind: 0 unless something leaks.
    /// </summary>
    public static async Task<long> CountLiveTensorsAsync()
    {
        var counts = All.Select(w =>
        {
            var count = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            w.Post(() => count.SetResult(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount));
            return count.Task;
        }).ToList();
        return (await Task.WhenAll(counts).ConfigureAwait(false)).Sum();
    }

    private static Worker NewWorker()
    {
        var worker = new Worker(Interlocked.Increment(ref created));
        All.Enqueue(worker);
        return worker;
    }

    private sealed class Worker
    {
        private readonly BlockingCollection<Action> queue = [];

        public Worker(int number)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"StyleGrpc engine worker {number}" };
            thread.Start();
        }

        public void Post(Action action) => queue.Add(action);

        private void Loop()
        {
            foreach (var action in queue.GetConsumingEnumerable())
            {
                action();
            }
        }
    }
}
