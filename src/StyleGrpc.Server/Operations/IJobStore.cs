using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Where durable jobs live: their record, their checked request and plan, the frames kept for watchers (per attempt) and
/// their latest checkpoint. Writes of an attempt are fenced by its attempt number: a write from an attempt older than the
/// stored one is refused (returns false), so a replica that lost a job cannot overwrite its new owner's work.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Stores a new job: its record (attempt 1, queued) and its spec, and remembers its request ID for
    /// <paramref name="requestRetention"/>. Nothing is stored when its caller already has <paramref name="maxActiveOfCaller"/>
    /// jobs that have not ended (0 = no cap), or another stored job of the caller, created less than
    /// <paramref name="requestRetention"/> before it, has its request ID. The checks and the store are one step.
    /// </summary>
    Task<JobCreation> CreateAsync(JobRecord record, JobSpec spec, int maxActiveOfCaller, TimeSpan requestRetention, CancellationToken cancellationToken);

    /// <summary>The record of the caller's stored job created with <paramref name="requestId"/> (AIP-155); null when none is.</summary>
    Task<JobRecord?> FindRequestAsync(string caller, string requestId, CancellationToken cancellationToken);

    Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every job's record, oldest first (for start-up recovery and retention sweeps, never a request).</summary>
    Task<IReadOnlyList<JobRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// One page of records, newest first: <paramref name="caller"/>'s jobs (null = every caller's), after the job
    /// <paramref name="afterId"/> (null = from the newest). Null when <paramref name="afterId"/> is not in that list.
    /// </summary>
    Task<JobPage?> ListPageAsync(string? caller, string? afterId, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the record, unless the stored one belongs to a later attempt, or says the job has ended and this one does not
    /// (an end is final: a cancel stored while a worker takes the job wins); then false. The write of a job's end also drops
    /// its spec and checkpoint: nothing reads them once it has ended.
    /// </summary>
    Task<bool> SaveAsync(JobRecord record, CancellationToken cancellationToken);

    /// <summary>The job's spec, read as its record's <see cref="JobRecord.Kind"/>; null when it is gone.</summary>
    Task<JobSpec?> ReadSpecAsync(JobRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="added"/> (in sequence order, above every frame kept) to the frames kept for watchers and drops
    /// the kept frames numbered <paramref name="superseded"/> (by the keeping rule, <see cref="Jobs.JobLog.Supersedes"/>),
    /// unless a later attempt owns the job (then false).
    /// </summary>
    Task<bool> AppendFramesAsync(string id, int attempt, IReadOnlyList<StylizeResponse> added, IReadOnlyList<long> superseded, CancellationToken cancellationToken);

    /// <summary>The kept frames of every attempt numbered above <paramref name="afterSequence"/>, in sequence order: only those are read.</summary>
    Task<IReadOnlyList<StylizeResponse>> ReadFramesAsync(string id, long afterSequence, CancellationToken cancellationToken);

    /// <summary>The job's last kept frame (its result, once it has succeeded); null when none is kept.</summary>
    Task<StylizeResponse?> ReadLastFrameAsync(string id, CancellationToken cancellationToken);

    /// <summary>Replaces the job's checkpoint, unless a later attempt owns the job (then false).</summary>
    Task<bool> SaveCheckpointAsync(string id, int attempt, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken);

    Task<byte[]?> ReadCheckpointAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps part <paramref name="index"/> of a video job's output (its finished frames, encoded), unless a later attempt owns
    /// the job (then false). Parts are written before the checkpoint that counts them; a part written again replaces it.
    /// </summary>
    Task<bool> SaveVideoPartAsync(string id, int attempt, int index, ReadOnlyMemory<byte> part, CancellationToken cancellationToken);

    /// <summary>Part <paramref name="index"/> of a video job's output; null when it was not kept.</summary>
    Task<byte[]?> ReadVideoPartAsync(string id, int index, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps chunk <paramref name="index"/> of a video job's finished file, one too large to go inline in its result,
    /// unless a later attempt owns the job (then false). Chunks are written before the result that counts them.
    /// </summary>
    Task<bool> SaveVideoResultChunkAsync(string id, int attempt, int index, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>Chunk <paramref name="index"/> of a video job's finished file; null when it was not kept.</summary>
    Task<byte[]?> ReadVideoResultChunkAsync(string id, int index, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="max"/> jobs whose completion webhook is due at <paramref name="now"/> (<see cref="JobNotification.DueOf"/>),
    /// found without reading other jobs, and claimed: each is due again only after <paramref name="lease"/>, so replicas
    /// asking at once do not deliver it twice (unless the claimant dies; delivery is at least once). A job's end, written by
    /// <see cref="SaveAsync"/>, makes its pending webhook due in the same step.
    /// </summary>
    Task<IReadOnlyList<string>> ClaimDueNotificationsAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the job's notification (the only write that changes it once the job is stored; a later <see cref="SaveAsync"/> keeps
    /// it) and makes it due at <paramref name="due"/>, or never (null). False, and nothing due any more, when the job is gone.
    /// </summary>
    Task<bool> SaveNotificationAsync(string id, JobNotification notification, DateTimeOffset? due, CancellationToken cancellationToken);

    /// <summary>Deletes the job and everything stored with it; false when there was none.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);
}
