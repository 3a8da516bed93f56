using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Engine;

/// <summary>Every input of a run except the images themselves: with the same images, these give the same bytes.</summary>
public sealed record ReproducibilityRecord
{
    public required string EngineVersion { get; init; }

    public required NetworkInfo Network { get; init; }

    public required string Device { get; init; }

    public required string Preset { get; init; }

    public required IReadOnlyList<LayerWeight> ContentLayers { get; init; }

    public required IReadOnlyList<LayerWeight> StyleLayers { get; init; }

    public required double ContentWeight { get; init; }

    public required double StyleWeight { get; init; }

    /// <summary>True when <see cref="StyleWeight"/> was balanced automatically for this job.</summary>
    public required bool StyleWeightAutomatic { get; init; }

    public required double TotalVariationWeight { get; init; }

    public required OptimizerKind Optimizer { get; init; }

    public required double LearningRate { get; init; }

    public required int Iterations { get; init; }

    public required InitKind Init { get; init; }

    public required double InitNoiseRatio { get; init; }

    public required long Seed { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int StyleWidth { get; init; }

    public required int StyleHeight { get; init; }

    public required bool KeepOriginalColours { get; init; }

    public required double RelativeTolerance { get; init; }

    public required int Threads { get; init; }

    public required int ScaleLevels { get; init; }

    /// <summary>Tile core side the run was computed with; 0 = untiled.</summary>
    public int TileSize { get; init; }

    public required int CoarseIterations { get; init; }

    /// <summary>
    /// The iteration the run resumed after (its checkpoint's <see cref="RunCheckpoint.Iteration"/>); 0 when it ran from the
    /// start. A resumed run's image is close to, not always identical with, an uninterrupted run's (docs/engine.md,
    /// "Checkpoints and resume").
    /// </summary>
    public int ResumedFromIteration { get; init; }

    /// <summary>How many times the run was resumed from a checkpoint in all (0 when it ran from the start).</summary>
    public int Resumes { get; init; }

    /// <summary>Colour control as the run applied it (<see cref="KeepOriginalColours"/> included).</summary>
    public ColourControl ColourControl { get; init; }

    /// <summary>The regions the run had, in the request's order (none without spatial control).</summary>
    public IReadOnlyList<RegionRecord> Regions { get; init; } = [];

    /// <summary>
    /// Video: the coefficient of the temporal loss in the total (<see cref="TemporalGuide.Coefficient"/>: the guide's weight ×
    /// the preset's γ × the content weight); 0 when the run had no temporal guide.
    /// </summary>
    public double TemporalWeight { get; init; }

    /// <summary>The plan the run followed: levels and their sizes, tiling, layers, optimiser settings, memory estimate.</summary>
    public required RunPlan Plan { get; init; }
}
