using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine;

/// <summary>
/// The shape of one run, worked out once (<see cref="StyleTransferEngine.Plan"/>) from its options and the content image's
/// size, and handed to everything after: output size, scale levels with their sizes and tiling, the style image's side at
/// each level, the layers and weights, the optimiser's settings and the memory estimate. A plain record: it serialises (a
/// stored job keeps its plan) and a run trusts it without checking its options again.
/// </summary>
public sealed record RunPlan
{
    /// <summary>Fingerprint of the network the plan was made for (<see cref="NetworkInfo.Fingerprint"/>).</summary>
    public required string NetworkFingerprint { get; init; }

    /// <summary>Content image width as decoded (after EXIF orientation), in pixels.</summary>
    public required int ContentWidth { get; init; }

    /// <summary>Content image height as decoded (after EXIF orientation), in pixels.</summary>
    public required int ContentHeight { get; init; }

    /// <summary>The run's options, checked; <see cref="StyleTransferOptions.LbfgsHistory"/> is the one that fits the budget.</summary>
    public required StyleTransferOptions Options { get; init; }

    /// <summary>Scale levels, coarsest first; the last is the output size.</summary>
    public required IReadOnlyList<PlannedLevel> Levels { get; init; }

    /// <summary>The layer preset the run uses (resolved: never empty).</summary>
    public required string Preset { get; init; }

    /// <summary>Content layers and weights.</summary>
    public required IReadOnlyList<LayerWeight> ContentLayers { get; init; }

    /// <summary>Style layers and weights.</summary>
    public required IReadOnlyList<LayerWeight> StyleLayers { get; init; }

    /// <summary>The optimiser's learning rate (the option, or the optimiser's default).</summary>
    public required double LearningRate { get; init; }

    /// <summary>Tiled levels: the stride tiles start on and the margin around each tile's core, in pixels; 0 when no level is tiled.</summary>
    public required int TileStride { get; init; }

    /// <inheritdoc cref="TileStride"/>
    public required int TileMargin { get; init; }

    /// <summary>
    /// Scale control: per blend component, its share of each style layer's target (<see cref="Control.ScaleControl"/>);
    /// null for a plain blend or a single style.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<LayerWeight>>? BlendShares { get; init; }

    /// <summary>Estimated peak memory of the run, in bytes (<see cref="MemoryModel"/>).</summary>
    public required long EstimatedBytes { get; init; }

    /// <summary>Output width, in pixels.</summary>
    public int Width => Levels[^1].Width;

    /// <summary>Output height, in pixels.</summary>
    public int Height => Levels[^1].Height;

    /// <summary>Iterations over all levels, at most.</summary>
    public int TotalIterations => Levels.Sum(l => l.Iterations);

    /// <summary>Every layer the run reads.</summary>
    public IReadOnlyList<string> AllLayers => [.. ContentLayers.Select(l => l.Layer).Concat(StyleLayers.Select(l => l.Layer)).Distinct()];

    /// <summary>
    /// The style image's longer side at <paramref name="level"/>, for a style whose side at the output size is
    /// <paramref name="finalStyleSide"/>: that side at the last level; at coarser levels scaled as the content is and rounded
    /// to 16 px (so a registered style keeps few sets of targets). The one rule for inline and registered styles.
    /// </summary>
    public int StyleSide(int finalStyleSide, int level) => level >= Levels.Count - 1
        ? finalStyleSide
        : Math.Clamp((int)Math.Round(finalStyleSide * (double)Levels[level].MaxSide / Levels[^1].MaxSide / 16) * 16, 16, StyleTransferEngine.MaxSideLimit);
}
