using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine;

/// <summary>The layers and weights a run uses, resolved from a preset and explicit overrides.</summary>
internal sealed record LayerPlan(LayerPreset Preset, IReadOnlyList<LayerWeight> Content, IReadOnlyList<LayerWeight> Style)
{
    public IReadOnlyList<string> AllLayers => Content.Select(l => l.Layer).Concat(Style.Select(l => l.Layer)).Distinct().ToList();

    public static LayerPlan Resolve(IFeatureNetwork network, string? presetName,
        IReadOnlyList<LayerWeight>? contentLayers, IReadOnlyList<LayerWeight>? styleLayers)
    {
        var preset = string.IsNullOrWhiteSpace(presetName)
            ? network.Presets[0]
            : network.Presets.FirstOrDefault(p => string.Equals(p.Name, presetName, StringComparison.OrdinalIgnoreCase))
              ?? throw new InvalidStyleOptionException("Preset",
                  $"'{presetName}' is not a preset of {network.Info.Name} (available: {string.Join(", ", network.Presets.Select(p => p.Name))})");
        var content = contentLayers is { Count: > 0 } ? contentLayers : preset.ContentLayers;
        var style = styleLayers is { Count: > 0 } ? styleLayers : preset.StyleLayers;
        Check(network, content, "ContentLayers");
        Check(network, style, "StyleLayers");
        return new LayerPlan(preset, content, style);
    }

    private static void Check(IFeatureNetwork network, IReadOnlyList<LayerWeight> layers, string field)
    {
        foreach (var layer in layers)
        {
            if (!network.LayerNames.Contains(layer.Layer))
            {
                throw new InvalidStyleOptionException(field, $"'{layer.Layer}' is not a layer of {network.Info.Name} (layers: {string.Join(", ", network.LayerNames)})");
            }
            if (!double.IsFinite(layer.Weight) || layer.Weight < 0)
            {
                throw new InvalidStyleOptionException(field, $"weight of '{layer.Layer}' must be a finite number ≥ 0");
            }
        }
    }
}
