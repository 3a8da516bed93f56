using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// The queue of one process over the file job store (<c>Store=file</c>, the embedded default). It is held in memory: what
/// it cannot lose is in the store, and <see cref="OpenAsync"/> queues the store's unfinished jobs again at start, oldest
/// first (a job that had started is resumed from its checkpoint by <see cref="JobWorker"/>). Callers take turns as on the
/// fleet; one process serves one network, so the network is not part of an entry (the worker refuses a job planned for
/// another one).
/// </summary>
public sealed class InProcessJobQueue(IJobStore store) : IJobQueue
{
    private readonly Lock gate = new();
    private readonly List<string> callers = [];
    private readonly Dictionary<string, Queue<Entry>> queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> waiting = new(StringComparer.Ordinal);
    private long order;
    private long turn;
    private Action? woken;
    private Action<string, JobStopReason>? cancelled;

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        foreach (var record in (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Where(r => !r.Done))
        {
            Add(record.Id, record.Caller, QueueOrigin.Restored);
        }
        woken?.Invoke();
    }

    public Task EnqueueAsync(string network, string jobId, string caller)
    {
        Add(jobId, caller, QueueOrigin.Queued);
        woken?.Invoke();
        return Task.CompletedTask;
    }

    public Task<QueuedJob?> TryTakeAsync(string network, string consumer, TimeSpan lease)
    {
        lock (gate)
        {
            if (callers.Count == 0)
            {
                return Task.FromResult<QueuedJob?>(null);
            }
            var caller = callers[(int)(turn++ % callers.Count)];
            var queue = queues[caller];
            var entry = queue.Dequeue();
            if (queue.Count == 0)
            {
                queues.Remove(caller);
                callers.Remove(caller);
            }
            waiting.Remove(entry.JobId);
            return Task.FromResult<QueuedJob?>(new QueuedJob(network, caller, entry.Order.ToString(System.Globalization.CultureInfo.InvariantCulture),
                entry.JobId, caller, entry.Origin));
        }
    }

    // One process holds every job it takes until it ends or the process stops: there is no lease to renew.
    public Task RenewAsync(string consumer, IEnumerable<QueuedJob> held) => Task.CompletedTask;

    public Task AcknowledgeAsync(QueuedJob job) => Task.CompletedTask;

    public Task HandBackAsync(QueuedJob job) => EnqueueAsync(job.Network, job.JobId, job.Caller);

    public Task<long> WaitingAsync()
    {
        lock (gate)
        {
            return Task.FromResult((long)waiting.Count);
        }
    }

    public Task<int?> PositionAsync(string jobId)
    {
        lock (gate)
        {
            return Task.FromResult(waiting.TryGetValue(jobId, out var mine) ? 1 + waiting.Values.Count(o => o < mine) : (int?)null);
        }
    }

    public Task PublishCancelAsync(string jobId, JobStopReason reason)
    {
        cancelled?.Invoke(jobId, reason);
        return Task.CompletedTask;
    }

    public Task SubscribeAsync(Action woken, Action<string, JobStopReason> cancelled)
    {
        this.woken = woken;
        this.cancelled = cancelled;
        return Task.CompletedTask;
    }

    private void Add(string jobId, string caller, QueueOrigin origin)
    {
        lock (gate)
        {
            if (waiting.ContainsKey(jobId))
            {
                return;
            }
            if (!queues.TryGetValue(caller, out var queue))
            {
                queue = new Queue<Entry>();
                queues[caller] = queue;
                var at = callers.BinarySearch(caller, StringComparer.Ordinal);
                callers.Insert(at < 0 ? ~at : at, caller);
            }
            var entry = new Entry(jobId, ++order, origin);
            queue.Enqueue(entry);
            waiting[jobId] = entry.Order;
        }
    }

    private sealed record Entry(string JobId, long Order, QueueOrigin Origin);
}
