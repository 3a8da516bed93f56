namespace StyleGrpc.Server.Jobs;

/// <summary>The job queue is full; no work was done.</summary>
public sealed class QueueFullException(int capacity) : Exception($"the job queue is full ({capacity} waiting); retry later")
{
    /// <summary>How many jobs may wait (<c>StyleGrpc:QueueCapacity</c>).</summary>
    public int Capacity { get; } = capacity;

    /// <summary>A hint for the caller: one typical job's time.</summary>
    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(5);
}
