namespace StyleGrpc.Engine;

/// <summary>One level of a coarse-to-fine run: the longer side it optimises at and the most iterations it gets there.</summary>
/// <param name="MaxSide">Longer side of the image at this level, in pixels.</param>
/// <param name="Iterations">Most iterations at this level (the level may stop earlier on <see cref="StyleTransferOptions.RelativeTolerance"/>).</param>
public sealed record ScaleLevel(int MaxSide, int Iterations);
