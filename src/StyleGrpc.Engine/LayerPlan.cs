using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine;

/// <summary>The layers and weights a run uses, resolved from a preset and explicit overrides.</summary>
internal sealed record LayerPlan(LayerPreset Preset, IReadOnlyList<LayerWeight> Content, IReadOnlyList<LayerWeight> Style)
{
    public IReadOnlyList<string> AllLayers => Content.Select(l => l.Layer).Concat(Style.Select(l => l.Layer)).Distinct().ToList();

    /// <summary>
    /// The preset (null or blank = the network's first) and the explicit layers that override its own, checked: every
    /// explicit layer is one of the network's, named once, with a finite weight &gt; 0. Errors name the option and index,
    /// e.g. <c>StyleLayers[1].Layer</c>.
    /// </summary>
    public static LayerPlan Resolve(IFeatureNetwork network, string? presetName,
        IReadOnlyList<LayerWeight>? contentLayers, IReadOnlyList<LayerWeight>? styleLayers)
    {
        var preset = FindPreset(network, presetName);
        Check(network, contentLayers, "ContentLayers");
        Check(network, styleLayers, "StyleLayers");
        return new LayerPlan(preset,
            contentLayers is { Count: > 0 } ? contentLayers : preset.ContentLayers,
            styleLayers is { Count: > 0 } ? styleLayers : preset.StyleLayers);
    }

    /// <summary>The network's preset named <paramref name="presetName"/> (case-insensitive); null or blank = its first.</summary>
    public static LayerPreset FindPreset(IFeatureNetwork network, string? presetName) => string.IsNullOrWhiteSpace(presetName)
        ? network.Presets[0]
        : network.Presets.FirstOrDefault(p => string.Equals(p.Name, presetName, StringComparison.OrdinalIgnoreCase))
          ?? throw new InvalidStyleOptionException("Preset",
              $"'{presetName}' is not a preset of {network.Info.Name} (available: {string.Join(", ", network.Presets.Select(p => p.Name))})");

    /// <summary>The layer plan a checked <see cref="RunPlan"/> names (a lookup; nothing is checked again).</summary>
    public static LayerPlan Of(IFeatureNetwork network, RunPlan plan) =>
        new(network.Presets.First(p => p.Name == plan.Preset), plan.ContentLayers, plan.StyleLayers);

    /// <summary>Checks explicit layers: each one of the network's, named once, with a finite weight &gt; 0; errors name <paramref name="field"/>[i].</summary>
    internal static void Check(IFeatureNetwork network, IReadOnlyList<LayerWeight>? layers, string field)
    {
        if (layers is null)
        {
            return;
        }
        if (layers.Count > network.LayerNames.Count)
        {
            throw new InvalidStyleOptionException(field, $"names at most {network.LayerNames.Count} layers");
        }
        for (var i = 0; i < layers.Count; i++)
        {
            if (!network.LayerNames.Contains(layers[i].Layer))
            {
                throw new InvalidStyleOptionException($"{field}[{i}].Layer",
                    $"'{layers[i].Layer}' is not a layer of {network.Info.Name} (layers: {string.Join(", ", network.LayerNames)})");
            }
            if (layers.Take(i).Any(l => l.Layer == layers[i].Layer))
            {
                throw new InvalidStyleOptionException($"{field}[{i}].Layer", $"'{layers[i].Layer}' is named twice");
            }
            if (!double.IsFinite(layers[i].Weight) || layers[i].Weight <= 0)
            {
                throw new InvalidStyleOptionException($"{field}[{i}].Weight", "must be a finite number > 0");
            }
        }
    }
}
