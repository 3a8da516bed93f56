using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Where stored jobs wait for a replica with a free slot: <see cref="InProcessJobQueue"/> for one process over the file job
/// store (the embedded default), <see cref="RedisJobQueue"/> for the fleet. Both take jobs round-robin across callers, so one
/// key's hundred jobs do not hold back another key's one. <see cref="JobWorker"/> is the one consumer in either mode.
/// </summary>
public interface IJobQueue
{
    /// <summary>Fills the queue from what it cannot lose: the fleet's queue is durable; one process queues the store's unfinished jobs again.</summary>
    Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>Queues a stored job at the end of its caller's queue and wakes a worker.</summary>
    Task EnqueueAsync(string network, string jobId, string caller);

    /// <summary>
    /// Takes the next job planned for <paramref name="network"/>, round-robin across callers, or one whose holder stopped
    /// renewing its lease for <paramref name="lease"/>; null when there is none.
    /// </summary>
    Task<QueuedJob?> TryTakeAsync(string network, string consumer, TimeSpan lease);

    /// <summary>Renews the lease on the jobs this process runs.</summary>
    Task RenewAsync(string consumer, IEnumerable<QueuedJob> held);

    /// <summary>The job has ended: it leaves the queue.</summary>
    Task AcknowledgeAsync(QueuedJob job);

    /// <summary>This process stops running it: it goes back to its caller's queue, for another replica (or the next start).</summary>
    Task HandBackAsync(QueuedJob job);

    /// <summary>Jobs queued and not yet taken, over every caller (one read).</summary>
    Task<long> WaitingAsync();

    /// <summary>
    /// The job's place in the queue: 1 + the jobs queued before it and not yet taken, over every caller (one read). Workers
    /// take turns between callers, which can only move a job forward, so this is the most it can be. Null when it is not
    /// waiting (taken, or never queued).
    /// </summary>
    Task<int?> PositionAsync(string jobId);

    /// <summary>Asks whichever process runs <paramref name="jobId"/> to stop it, for <paramref name="reason"/>.</summary>
    Task PublishCancelAsync(string jobId, JobStopReason reason);

    /// <summary>Calls <paramref name="woken"/> when a job is queued and <paramref name="cancelled"/> when a job should stop.</summary>
    Task SubscribeAsync(Action woken, Action<string, JobStopReason> cancelled);
}
