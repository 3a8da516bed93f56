using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// One job that another replica runs, as this replica's watchers of it see it: its latest record and the frames stored after
/// the feed began, kept by the job log's rule (every frame but progress, the latest progress and the latest preview).
/// <see cref="RemoteJobFeeds"/> fills it from the store, once per poll however many watchers there are.
/// </summary>
public sealed class RemoteJobFeed(string id, JobRecord record, long startSequence)
{
    private readonly Lock gate = new();
    private readonly List<StylizeResponse> frames = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? failure;
    private int position = record.QueuePosition;

    public string Id { get; } = id;

    /// <summary>The last frame sequence read from the store.</summary>
    public long LastRead { get; private set; } = startSequence;

    /// <summary>How many watchers follow it (changed by <see cref="RemoteJobFeeds"/> under its lock).</summary>
    internal int Watchers { get; set; }

    internal CancellationTokenSource Stop { get; } = new();

    /// <summary>
    /// The frames after <paramref name="afterSequence"/> the feed holds, the job's latest record, its place in the queue (0
    /// once it has left it), and a task that completes at the next change. Throws what stopped the feed (the store's error).
    /// </summary>
    public (IReadOnlyList<StylizeResponse> Frames, JobRecord Record, int QueuePosition, Task Changed) Snapshot(long afterSequence)
    {
        lock (gate)
        {
            if (failure is not null)
            {
                throw failure;
            }
            return ([.. frames.Where(f => f.Sequence > afterSequence)], record, position, changed.Task);
        }
    }

    /// <summary>What a poll read: the record, the frames stored after <see cref="LastRead"/>, and the job's place in the queue.</summary>
    internal void Update(JobRecord latest, IReadOnlyList<StylizeResponse> read, int queuePosition)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            if (read.Count == 0 && latest == record && queuePosition == position)
            {
                return;
            }
            position = queuePosition;
            foreach (var frame in read)
            {
                if (frame.Progress is { } progress)
                {
                    var withPreview = progress.Preview is not null;
                    frames.RemoveAll(f => f.Progress is { } p && JobLog.Supersedes(withPreview, p.Preview is not null));
                }
                frames.Add(frame);
                LastRead = frame.Sequence;
            }
            record = latest;
            (wake, changed) = (changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        wake.TrySetResult();
    }

    internal void Fail(Exception error)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            failure = error;
            wake = changed;
        }
        wake.TrySetResult();
    }
}
