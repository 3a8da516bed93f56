namespace StyleGrpc.Server.Operations;

/// <summary>A job a replica took from the fleet queue: where its entry is (to renew, acknowledge or hand it back) and whose it is.</summary>
/// <param name="Network">The network fingerprint whose queue it is in.</param>
/// <param name="Stream">The caller's queue stream.</param>
/// <param name="EntryId">The stream entry.</param>
/// <param name="JobId">The job.</param>
/// <param name="Caller">Whose queue it came from.</param>
/// <param name="Reclaimed">True when it was claimed from a replica that stopped renewing its lease (that replica may still write).</param>
public sealed record QueuedJob(string Network, string Stream, string EntryId, string JobId, string Caller, bool Reclaimed);
