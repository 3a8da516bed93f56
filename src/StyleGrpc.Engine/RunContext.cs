using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>
/// What every level of one run reads: the content, the style targets per level, the plan and its layers, where progress
/// goes, and the checkpointing (never null: an empty one when the host asked for none).
/// </summary>
internal sealed record RunContext(
    RgbImage Content,
    IReadOnlyList<StyleTargets> LevelTargets,
    RunPlan Plan,
    LayerPlan Layers,
    RunProgress Progress,
    Action<StyleTransferProgress>? OnProgress,
    RunCheckpointing Checkpointing,
    CancellationToken CancellationToken)
{
    /// <summary>The start image of an <see cref="InitKind.FeedForward"/> run (scaled to the first level's size), else null.</summary>
    public RgbImage? Start { get; init; }

    /// <summary>The checkpoint the run resumes from, if any.</summary>
    public RunCheckpoint? Resume => Checkpointing.ResumeFrom;

    /// <summary>The regions painted with other styles (none by default).</summary>
    public IReadOnlyList<Control.StyleRegion> Regions { get; init; } = [];

    /// <summary>A video frame's temporal guide, its warped image in the run's colour space (grey for luminance-only); else null.</summary>
    public TemporalGuide? Temporal { get; init; }

    /// <summary>The photo as given, whose chroma the result takes under colour control (<see cref="Content"/> may be its luminance).</summary>
    public RgbImage? Photo { get; init; }
}
