using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>The state of a run after one iteration. Losses are those evaluated at the start of that iteration.</summary>
/// <param name="Iteration">1-based iteration number.</param>
/// <param name="TotalIterations">Iterations the run will take at most.</param>
/// <param name="ContentLoss">Unweighted content loss (sum over content layers).</param>
/// <param name="StyleLoss">Unweighted style loss (sum over style layers).</param>
/// <param name="TotalVariationLoss">Unweighted total-variation loss.</param>
/// <param name="TotalLoss">Weighted total.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="EstimatedRemaining">Estimated time to the last iteration.</param>
/// <param name="Preview">The current image, every <see cref="StyleTransferOptions.PreviewEvery"/> iterations; else null.</param>
public sealed record StyleTransferProgress(
    int Iteration,
    int TotalIterations,
    double ContentLoss,
    double StyleLoss,
    double TotalVariationLoss,
    double TotalLoss,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining,
    RgbImage? Preview)
{
    /// <summary>Unweighted temporal loss of a video frame (<see cref="Optimization.StepLosses.Temporal"/>); 0 without a temporal guide.</summary>
    public double TemporalLoss { get; init; }

    /// <summary>1-based coarse-to-fine level this iteration ran at (1 for a single-scale run).</summary>
    public int Scale { get; init; } = 1;

    /// <summary>Coarse-to-fine levels of the run (1 for a single-scale run).</summary>
    public int Scales { get; init; } = 1;

    /// <summary>Longer side of the image at this iteration's level, in pixels (losses at different sizes are not comparable).</summary>
    public int Side { get; init; }
}
