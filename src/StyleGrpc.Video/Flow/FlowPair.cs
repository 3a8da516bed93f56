namespace StyleGrpc.Video.Flow;

/// <summary>The two flows between consecutive frames t−1 and t.</summary>
/// <param name="Forward">From t−1 to t, on frame t−1's pixels.</param>
/// <param name="Backward">From t to t−1, on frame t's pixels: the one that warps frame t−1 into frame t's position.</param>
public sealed record FlowPair(FlowField Forward, FlowField Backward);
