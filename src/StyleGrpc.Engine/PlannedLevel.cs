namespace StyleGrpc.Engine;

/// <summary>One level of a <see cref="RunPlan"/>: the size it optimises at, whether it is tiled, and its iterations.</summary>
/// <param name="MaxSide">Longer side this level was planned for, in pixels (the output's <c>MaxSide</c> at the last level).</param>
/// <param name="Width">Image width at this level, in pixels.</param>
/// <param name="Height">Image height at this level, in pixels.</param>
/// <param name="Tiled">Whether each step of this level is computed tile by tile.</param>
/// <param name="Iterations">Most iterations at this level (it may stop earlier on <see cref="StyleTransferOptions.RelativeTolerance"/>).</param>
public sealed record PlannedLevel(int MaxSide, int Width, int Height, bool Tiled, int Iterations)
{
    /// <summary>Pixels at this level.</summary>
    public long Pixels => (long)Width * Height;
}
