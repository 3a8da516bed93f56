using System.Diagnostics;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Engine;

/// <summary>
/// Where a run is across its levels: the iteration count and an estimate of the time left that weighs each remaining
/// iteration by its level's pixel count (an iteration at half the side costs about a quarter).
/// </summary>
internal sealed class RunProgress(IReadOnlyList<PlannedLevel> levels, Stopwatch clock)
{
    private readonly double totalWork = levels.Sum(l => (double)l.Iterations * l.Pixels);
    private double doneWork;
    private double skippedWork;
    private int level;
    private int levelIterations;

    /// <summary>The run's clock.</summary>
    public Stopwatch Clock => clock;

    /// <summary>Iterations so far, over all levels.</summary>
    public int Iteration { get; private set; }

    private int TotalIterations => levels.Sum(l => l.Iterations);

    private double Pixels => levels[level].Pixels;

    public void StartLevel(int index)
    {
        if (index > 0)
        {
            // The previous level stopped early: its unused iterations are no longer ahead.
            skippedWork += (levels[level].Iterations - levelIterations) * Pixels;
        }
        level = index;
        levelIterations = 0;
    }

    public void Advance()
    {
        Iteration++;
        levelIterations++;
        doneWork += Pixels;
    }

    public StyleTransferProgress After(StepLosses losses, RgbImage? preview)
    {
        var elapsed = clock.Elapsed;
        var remaining = Math.Max(0, totalWork - skippedWork - doneWork);
        var eta = doneWork <= 0 ? TimeSpan.Zero : elapsed * (remaining / doneWork);
        return With(new StyleTransferProgress(Iteration, TotalIterations, losses.Content, losses.Style, losses.TotalVariation, losses.Total,
            elapsed, eta, preview));
    }

    public StyleTransferProgress Final(StepLosses losses, TimeSpan elapsed) =>
        With(new StyleTransferProgress(Iteration, Iteration, losses.Content, losses.Style, losses.TotalVariation, losses.Total,
            elapsed, TimeSpan.Zero, null));

    private StyleTransferProgress With(StyleTransferProgress progress) => progress with
    {
        Scale = level + 1,
        Scales = levels.Count,
        Side = Math.Max(levels[level].Width, levels[level].Height),
    };
}
