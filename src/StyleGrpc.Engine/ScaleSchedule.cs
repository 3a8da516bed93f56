namespace StyleGrpc.Engine;

/// <summary>
/// The levels of a coarse-to-fine run (after crowsonkb/style-transfer-pytorch): sides a factor √2 apart, from
/// <see cref="CoarsestSide"/> up to the output size; each level starts from the previous one's result upsampled, and
/// matches style targets taken from the style image scaled by the same factor as the content (<see cref="RunPlan.StyleSide"/>), so the style's texture
/// keeps its size relative to the picture at every level.
/// </summary>
public static class ScaleSchedule
{
    /// <summary>The coarsest level's longer side, in pixels (automatic schedules start here).</summary>
    public const int CoarsestSide = 128;

    /// <summary>Most levels a run may ask for (4096 px output from 128 px is 11 levels).</summary>
    public const int MaxLevels = 12;

    /// <summary>Smallest output side that automatic scale levels (<c>ScaleLevels = 0</c>) optimise coarse-to-fine; below it, single scale.</summary>
    public const int AutomaticFromSide = 256;

    /// <summary>The levels a run with <paramref name="options"/> goes through, coarsest first; the last is the output size.</summary>
    public static IReadOnlyList<ScaleLevel> Plan(StyleTransferOptions options)
    {
        var count = options.ScaleLevels == 0 ? AutomaticLevels(options.MaxSide) : options.ScaleLevels;
        var sides = new List<int> { options.MaxSide };
        while (sides.Count < count)
        {
            sides.Insert(0, Math.Max(16, (int)Math.Round(sides[0] / Math.Sqrt(2))));
        }
        var coarse = options.CoarseIterations ?? AutomaticCoarseIterations(options.Iterations);
        return [.. sides.Select((side, i) => new ScaleLevel(side, i == sides.Count - 1 ? options.Iterations : coarse))];
    }

    /// <summary>
    /// Iterations at each coarser level when not given: a tenth of the output size's, at least 1. The coarser levels then
    /// cost about an eighth of the run (each has half the pixels of the next); of 25, 50 and 100 per level with about 500 at
    /// 512 px, 50 left the lowest final loss (docs/performance.md, "Coarse-to-fine").
    /// </summary>
    public static int AutomaticCoarseIterations(int iterations) => Math.Max(1, iterations / 10);

    /// <summary>
    /// Levels chosen for an output side when <c>ScaleLevels = 0</c>: <see cref="Levels"/> from <see cref="AutomaticFromSide"/>
    /// up, single scale below.
    /// </summary>
    public static int AutomaticLevels(int maxSide) => maxSide < AutomaticFromSide ? 1 : Levels(maxSide);

    /// <summary>One level per √2 step from <paramref name="maxSide"/> down to <see cref="CoarsestSide"/>: 5 at 512 px, 7 at 1024, 11 at 4096.</summary>
    public static int Levels(int maxSide)
    {
        var count = 1;
        for (var side = (int)Math.Round(maxSide / Math.Sqrt(2)); side >= CoarsestSide && count < MaxLevels; side = (int)Math.Round(side / Math.Sqrt(2)))
        {
            count++;
        }
        return count;
    }
}
