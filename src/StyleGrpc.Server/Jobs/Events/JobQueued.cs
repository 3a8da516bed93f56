namespace StyleGrpc.Server.Jobs.Events;

/// <summary>The job's place in the queue changed (1-based).</summary>
public sealed record JobQueued(int QueuePosition) : JobEvent;
