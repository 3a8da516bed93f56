namespace StyleGrpc.Server.Jobs;

/// <summary>A job's place with the <see cref="JobScheduler"/>. Dispose it when the job ends, however it ends.</summary>
public sealed class JobTicket : IDisposable
{
    private readonly JobScheduler scheduler;
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource positionChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int position;
    private int disposed;

    internal JobTicket(JobScheduler scheduler, string jobId, long bytes)
    {
        this.scheduler = scheduler;
        JobId = jobId;
        Bytes = bytes;
    }

    public string JobId { get; }

    /// <summary>The job's estimated peak memory, held against the budget while it runs.</summary>
    public long Bytes { get; }

    /// <summary>1-based place in the queue; 0 once started.</summary>
    public int Position => Volatile.Read(ref position);

    /// <summary>Completes when the job may run; faults when the server stops before that.</summary>
    public Task Started => started.Task;

    internal LinkedListNode<JobTicket>? Node { get; set; }

    /// <summary>True while the ticket counts as running (set and read under the scheduler's lock).</summary>
    internal bool HoldsSlot { get; set; }

    /// <summary>Completes at the next position change (or start); take a fresh one after each.</summary>
    public Task NextChange() => Volatile.Read(ref positionChanged).Task;

    internal void SetPosition(int value)
    {
        if (Interlocked.Exchange(ref position, value) != value)
        {
            Interlocked.Exchange(ref positionChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    internal void MarkStarted()
    {
        Volatile.Write(ref position, 0);
        started.TrySetResult();
        Volatile.Read(ref positionChanged).TrySetResult();
    }

    internal void Abandon(Exception reason)
    {
        started.TrySetException(reason);
        Volatile.Read(ref positionChanged).TrySetResult();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            scheduler.Leave(this);
        }
    }
}
