namespace StyleGrpc.Engine.Networks;

/// <summary>A layer and its weight in the content or style loss.</summary>
public sealed record LayerWeight(string Layer, double Weight = 1.0);

/// <summary>
/// Which layers carry content and style, with the weights that suit them on a given network.
/// </summary>
/// <param name="Name">Preset name, e.g. <c>gatys</c>.</param>
/// <param name="ContentLayers">Layers compared by feature MSE.</param>
/// <param name="StyleLayers">Layers compared by Gram-matrix MSE.</param>
/// <param name="ContentWeight">Default weight of the content loss.</param>
/// <param name="StyleWeight">Default weight of the style loss; null means balance automatically per job (see <see cref="StyleTransferOptions.StyleWeight"/>).</param>
/// <param name="TotalVariationWeight">Default weight of the total-variation loss.</param>
/// <param name="Description">One line for people.</param>
public sealed record LayerPreset(
    string Name,
    IReadOnlyList<LayerWeight> ContentLayers,
    IReadOnlyList<LayerWeight> StyleLayers,
    double ContentWeight,
    double? StyleWeight,
    double TotalVariationWeight,
    string Description)
{
    /// <summary>
    /// Video: the weight of the temporal loss relative to the content loss (γ/α, <see cref="TemporalGuide"/>), for pixel
    /// differences in [0, 1]. The run's coefficient is the guide's <see cref="TemporalGuide.Weight"/> × this × the content
    /// weight. Default: Ruder et al.'s γ/α = 200 on Caffe's 0–255 pixels, 200 × 255² ≈ 1.3·10⁷ (right for a network that
    /// reads 0–255 pixels and has VGG-sized content features); each network states its own.
    /// </summary>
    public double TemporalWeight { get; init; } = TemporalGuide.RuderRatio * 255 * 255;

    /// <summary>Every layer the preset reads.</summary>
    public IReadOnlyList<string> AllLayers =>
        ContentLayers.Select(l => l.Layer).Concat(StyleLayers.Select(l => l.Layer)).Distinct().ToList();
}
