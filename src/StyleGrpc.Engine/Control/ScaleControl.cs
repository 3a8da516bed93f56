using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine.Control;

/// <summary>
/// Scale control (Gatys et al. 2017): each component of a blend matched at its own style layers, e.g. the coarse layers of
/// one painting and the fine ones of another. The loss Σ_c w_c Σ_{l∈L_c} λ_{c,l} ‖G_l − T_{c,l}‖² equals, up to a
/// constant that moves neither the gradient nor the result, Σ_l e_l ‖G_l − T̄_l‖² with e_l = Σ_c w_c λ_{c,l} and
/// T̄_l = Σ_c w_c λ_{c,l} T_{c,l} / e_l. So the plan's style layers become the union with weights e_l, each component's
/// share of a layer (w_c λ_{c,l} / e_l) is kept in the plan, and the blended targets use those shares: the objective stays
/// the plain one. Without per-component layers every share is w_c and this is <see cref="StyleTargets.Blend"/>.
/// </summary>
public static class ScaleControl
{
    /// <summary>
    /// The run's effective style layers and each component's share of each of them, for components
    /// <paramref name="components"/> over the run's own style layers <paramref name="runLayers"/>. Null shares when no
    /// component names layers of its own (the plain blend).
    /// </summary>
    internal static (IReadOnlyList<LayerWeight> Layers, IReadOnlyList<IReadOnlyList<LayerWeight>>? Shares) Resolve(
        IReadOnlyList<LayerWeight> runLayers, IReadOnlyList<BlendComponentLayers>? components)
    {
        if (components is null || components.All(c => c.StyleLayers is not { Count: > 0 }))
        {
            return (runLayers, null);
        }
        var total = components.Sum(c => c.Weight);
        var sets = components.Select(c => c.StyleLayers is { Count: > 0 } own ? own : runLayers).ToList();
        var order = sets.SelectMany(s => s.Select(l => l.Layer)).Distinct().ToList();
        var effective = order.Select(layer => new LayerWeight(layer,
            components.Select((c, i) => c.Weight / total * (sets[i].FirstOrDefault(l => l.Layer == layer)?.Weight ?? 0)).Sum())).ToList();
        var shares = components.Select((c, i) => (IReadOnlyList<LayerWeight>)effective
            .Select(e => new LayerWeight(e.Layer, c.Weight / total * (sets[i].FirstOrDefault(l => l.Layer == e.Layer)?.Weight ?? 0) / e.Weight))
            .ToList()).ToList();
        return (effective, shares);
    }

    /// <summary>
    /// The blended targets of <paramref name="parts"/> (one per blend component, in the plan's order) for
    /// <paramref name="plan"/>: with the plan's per-layer shares when it has them (<see cref="RunPlan.BlendShares"/>), else
    /// the plain weighted blend. Layers outside the style layers (content layers, for the automatic weight) mix by the
    /// components' weights.
    /// </summary>
    public static StyleTargets Blend(IReadOnlyList<(StyleTargets Targets, double Weight)> parts, RunPlan plan)
    {
        if (plan.BlendShares is not { } shares)
        {
            return StyleTargets.Blend(parts);
        }
        if (shares.Count != parts.Count)
        {
            throw new InvalidStyleOptionException("BlendComponents", $"the plan has {shares.Count} blend components, {parts.Count} styles were given");
        }
        var plain = StyleTargets.Blend(parts);
        var total = parts.Sum(p => p.Weight);
        var layers = plain.Layers.Select(stats =>
        {
            var weights = parts.Select((p, i) => shares[i].FirstOrDefault(s => s.Layer == stats.Layer)?.Weight ?? p.Weight / total).ToList();
            var gram = new float[stats.Gram.Length];
            var means = new float[stats.ChannelMeans.Length];
            for (var i = 0; i < parts.Count; i++)
            {
                var own = parts[i].Targets.Find(stats.Layer)!;
                var w = (float)weights[i];
                for (var k = 0; k < gram.Length; k++)
                {
                    gram[k] += w * own.Gram[k];
                }
                for (var k = 0; k < means.Length; k++)
                {
                    means[k] += w * own.ChannelMeans[k];
                }
            }
            return new LayerStatistics(stats.Layer, stats.Channels, gram, means);
        }).ToList();
        return new StyleTargets(plain.NetworkFingerprint, layers, plain.StyleWidth, plain.StyleHeight);
    }
}
