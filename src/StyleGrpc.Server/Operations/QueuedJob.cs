namespace StyleGrpc.Server.Operations;

/// <summary>A job a worker took from its <see cref="IJobQueue"/>: where its entry is (to renew, acknowledge or hand it back) and whose it is.</summary>
/// <param name="Network">The network fingerprint whose queue it is in.</param>
/// <param name="Stream">The caller's queue (the Redis stream's key; the caller, in process).</param>
/// <param name="EntryId">The queue entry.</param>
/// <param name="JobId">The job.</param>
/// <param name="Caller">Whose queue it came from.</param>
/// <param name="Origin">How it reached the queue, which says why it would be resumed (the label of <c>stylegrpc_jobs_resumed_total</c>).</param>
public sealed record QueuedJob(string Network, string Stream, string EntryId, string JobId, string Caller, QueueOrigin Origin);
