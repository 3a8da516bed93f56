using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine;

/// <summary>What style targets are computed with.</summary>
public sealed record StyleTargetOptions
{
    /// <summary>Longer side the style image is scaled to before features are taken, in pixels. Default 512.</summary>
    public int MaxSide { get; init; } = 512;

    /// <summary>Layer preset whose layers get targets; null = the network's default preset.</summary>
    public string? Preset { get; init; }

    /// <summary>Explicit style layers; overrides the preset's style layers when set.</summary>
    public IReadOnlyList<LayerWeight>? StyleLayers { get; init; }

    /// <summary>Explicit content layers (their statistics balance weights automatically); overrides the preset's when set.</summary>
    public IReadOnlyList<LayerWeight>? ContentLayers { get; init; }
}
