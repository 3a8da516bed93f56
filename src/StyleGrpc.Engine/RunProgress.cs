using System.Diagnostics;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Engine;

/// <summary>
/// Where a run is across its levels: the iteration count and an estimate of the time left that weighs each remaining
/// iteration by its level's pixel count (an iteration at half the side costs about a quarter). A resumed run starts from
/// its checkpoint's counts and adds the time before it (<see cref="Resume"/>).
/// </summary>
internal sealed class RunProgress(IReadOnlyList<PlannedLevel> levels, Stopwatch clock)
{
    private TimeSpan before;
    private readonly double totalWork = levels.Sum(l => (double)l.Iterations * l.Pixels);
    private double doneWork;
    private double skippedWork;
    private int level;
    private int levelIterations;

    /// <summary>The run's clock (this attempt only).</summary>
    public Stopwatch Clock => clock;

    /// <summary>Run time so far, including the attempts before a resumed one.</summary>
    public TimeSpan Elapsed => before + clock.Elapsed;

    /// <summary>Iterations so far, over all levels (including those before a resume).</summary>
    public int Iteration { get; private set; }

    /// <summary>Iterations done within the current level.</summary>
    public int LevelIteration => levelIterations;

    /// <summary>
    /// Continues from a checkpoint: <paramref name="iteration"/> iterations done, <paramref name="levelIteration"/> of them at
    /// <paramref name="index"/>, in <paramref name="elapsed"/>. The iterations of earlier levels are taken to have filled
    /// them in order (exact unless a level stopped early; the estimate only needs the work's rough size). Called instead of
    /// <see cref="StartLevel"/> for the level the run resumes at.
    /// </summary>
    public void Resume(int index, int iteration, int levelIteration, TimeSpan elapsed)
    {
        before = elapsed;
        var earlier = iteration - levelIteration;
        for (var i = 0; i < index; i++)
        {
            var done = Math.Min(earlier, levels[i].Iterations);
            earlier -= done;
            doneWork += done * (double)levels[i].Pixels;
            skippedWork += (levels[i].Iterations - done) * (double)levels[i].Pixels;
        }
        level = index;
        levelIterations = levelIteration;
        doneWork += levelIteration * Pixels;
        Iteration = iteration;
    }

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
        var elapsed = Elapsed;
        var remaining = Math.Max(0, totalWork - skippedWork - doneWork);
        var eta = doneWork <= 0 ? TimeSpan.Zero : elapsed * (remaining / doneWork);
        return With(new StyleTransferProgress(Iteration, TotalIterations, losses.Content, losses.Style, losses.TotalVariation, losses.Total,
            elapsed, eta, preview) { TemporalLoss = losses.Temporal });
    }

    public StyleTransferProgress Final(StepLosses losses, TimeSpan elapsed) =>
        With(new StyleTransferProgress(Iteration, Iteration, losses.Content, losses.Style, losses.TotalVariation, losses.Total,
            elapsed, TimeSpan.Zero, null) { TemporalLoss = losses.Temporal });

    private StyleTransferProgress With(StyleTransferProgress progress) => progress with
    {
        Scale = level + 1,
        Scales = levels.Count,
        Side = Math.Max(levels[level].Width, levels[level].Height),
    };
}
