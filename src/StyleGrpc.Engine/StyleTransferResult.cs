using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>The outcome of a run.</summary>
/// <param name="Image">The stylised image at the output size.</param>
/// <param name="Final">Losses of the final (clamped) image.</param>
/// <param name="IterationsRun">Iterations actually taken (fewer than asked when L-BFGS converged), including those before a resume.</param>
/// <param name="Elapsed">Wall time of the optimisation, including the attempts before a resume.</param>
/// <param name="Record">Everything needed to reproduce the image.</param>
public sealed record StyleTransferResult(
    RgbImage Image,
    StyleTransferProgress Final,
    int IterationsRun,
    TimeSpan Elapsed,
    ReproducibilityRecord Record)
{
    /// <summary>The iteration the run resumed after; 0 when it ran from the start (<see cref="ReproducibilityRecord.ResumedFromIteration"/>).</summary>
    public int ResumedFromIteration => Record.ResumedFromIteration;
}
