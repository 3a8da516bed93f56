namespace StyleGrpc.Server.Jobs.Events;

/// <summary>The job was admitted.</summary>
/// <param name="JobId">The job's ID.</param>
/// <param name="QueuePosition">Jobs ahead of it, 1-based; 0 when it starts at once.</param>
public sealed record JobAccepted(string JobId, int QueuePosition) : JobEvent;
