namespace StyleGrpc.Server.Jobs.Events;

/// <summary>The job left the queue, its style targets are resolved, and it runs.</summary>
/// <param name="Width">Output width, in pixels.</param>
/// <param name="Height">Output height, in pixels.</param>
/// <param name="TotalIterations">Iterations it runs at most.</param>
/// <param name="QueueTime">Time from admission to start.</param>
/// <param name="Network">Serving network name.</param>
/// <param name="EstimatedMemoryBytes">Estimated peak memory held against the budget.</param>
public sealed record JobStarted(int Width, int Height, int TotalIterations, TimeSpan QueueTime, string Network, long EstimatedMemoryBytes) : JobEvent;
