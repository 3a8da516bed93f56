using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>
/// The loss of one run: content features and style Gram targets prepared once, then evaluated at
/// any image. Its tensors belong to the run's dispose scope.
/// </summary>
internal sealed class StyleObjective : IStyleObjective
{
    private readonly IFeatureNetwork network;
    private readonly LayerPlan plan;
    private readonly Dictionary<string, Tensor> contentTargets;
    private readonly Dictionary<string, Tensor> gramTargets;
    private readonly IReadOnlyList<string> layers;
    // Spatial control: the guidance channels of this level; null without regions (the plain Gram loss).
    private RegionGuidance? guidance;

    private StyleObjective(IFeatureNetwork network, LayerPlan plan, Dictionary<string, Tensor> contentTargets,
        Dictionary<string, Tensor> gramTargets)
    {
        this.network = network;
        this.plan = plan;
        this.contentTargets = contentTargets;
        this.gramTargets = gramTargets;
        layers = plan.AllLayers;
    }

    public double ContentWeight { get; private set; }

    public double StyleWeight { get; private set; }

    public bool StyleWeightAutomatic { get; private set; }

    public double TotalVariationWeight { get; private set; }

    /// <param name="network">The feature network.</param>
    /// <param name="plan">Layers and weights.</param>
    /// <param name="content">The content image at this level's size.</param>
    /// <param name="style">The request's own style's targets at this level.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="regions">The run's regions and this level's index (none by default).</param>
    public static StyleObjective Create(IFeatureNetwork network, LayerPlan plan, Tensor content, StyleTargets style, StyleTransferOptions options,
        (IReadOnlyList<StyleRegion> Regions, int Level) regions = default)
    {
        var device = network.Device;
        Dictionary<string, Tensor> contentFeatures;
        using (no_grad())
        {
            contentFeatures = network.Extract(content, plan.AllLayers).ToDictionary(kv => kv.Key, kv => kv.Value.detach());
        }
        var grams = plan.Style.Select(l => style.Find(l.Layer)!)
            .ToDictionary(s => s.Layer, s => tensor(s.Gram, [s.Channels, s.Channels], device: device));
        var objective = new StyleObjective(network, plan,
            plan.Content.ToDictionary(l => l.Layer, l => contentFeatures[l.Layer]), grams)
        {
            ContentWeight = options.ContentWeight ?? plan.Preset.ContentWeight,
            TotalVariationWeight = options.TotalVariationWeight ?? plan.Preset.TotalVariationWeight,
        };
        var fixedWeight = options.StyleWeight ?? plan.Preset.StyleWeight;
        objective.StyleWeight = fixedWeight ?? objective.AutomaticStyleWeight(contentFeatures, style, options.AutoStyleWeightFactor);
        objective.StyleWeightAutomatic = fixedWeight is null;
        objective.guidance = RegionGuidance.Create(regions.Regions ?? [], regions.Level, (int)content.shape[3], (int)content.shape[2], grams,
            layer => (contentFeatures[layer].shape[2], contentFeatures[layer].shape[3]), device);
        return objective;
    }

    /// <summary>Evaluates the weighted loss at <paramref name="image"/>; with <paramref name="backward"/>, leaves its gradient in <c>image.grad</c>.</summary>
    public StepLosses Evaluate(Tensor image, bool backward)
    {
        if (backward && image.grad is { } grad)
        {
            grad.zero_();
        }
        var features = network.Extract(image, layers);
        var content = StyleLosses.Content(plan.Content, features, contentTargets, image.device);
        var style = zeros(1, device: image.device);
        foreach (var layer in plan.Style)
        {
            using var weight = layer.Weight.ToScalar();
            var term = guidance is null
                ? StyleLosses.Style(features[layer.Layer], gramTargets[layer.Layer])
                : guidance.StyleLoss(layer.Layer, features[layer.Layer]);
            style = style.Plus(term * weight);
        }
        var tv = TotalVariationWeight > 0 ? StyleLosses.TotalVariation(image) : zeros(1, device: image.device);
        using var contentWeight = ContentWeight.ToScalar();
        using var styleWeight = StyleWeight.ToScalar();
        using var tvWeight = TotalVariationWeight.ToScalar();
        var total = (content * contentWeight).Plus(style * styleWeight).Plus(tv * tvWeight);
        if (backward)
        {
            total.backward();
        }
        return new StepLosses(content.item<float>(), style.item<float>(), tv.item<float>(), total.item<float>());
    }

    private double AutomaticStyleWeight(Dictionary<string, Tensor> contentFeatures, StyleTargets style, double factor)
    {
        using var noGrad = no_grad();
        return AutomaticWeight.Compute(plan, style, factor,
            layer => StyleLosses.Style(contentFeatures[layer], gramTargets[layer]).item<float>(),
            layer => (contentFeatures[layer].square().mean().item<float>(), contentFeatures[layer].mean([0, 2, 3]).cpu().data<float>().ToArray()));
    }
}
