using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// A training batch's loss, term for term what <see cref="StyleTransferEngine.Measure"/> computes for one image, averaged
/// over the batch: the content loss (<see cref="StyleLosses.Content"/>) against the input photos' own features, the style
/// loss (<see cref="StyleLosses.Style"/>, per image: Gram matrices are per image) against the style's stored targets,
/// and the total variation, each over the preset's layers and layer weights. The Gram targets belong to the caller's
/// dispose scope; the feature network stays frozen (gradients reach only the image).
/// </summary>
internal sealed class PerceptualLoss(IFeatureNetwork network, LayerPlan plan, StyleTargets style)
{
    private readonly Dictionary<string, Tensor> grams = plan.Style.Select(l => style.Find(l.Layer)!)
        .ToDictionary(s => s.Layer, s => tensor(s.Gram, [s.Channels, s.Channels], device: network.Device));

    public LayerPlan Plan => plan;

    /// <summary>Content features of the photos (no gradient), at the content layers, or at every layer for <see cref="AutomaticStyleWeight"/>.</summary>
    public IReadOnlyDictionary<string, Tensor> ContentFeatures(Tensor photos, bool allLayers)
    {
        using var noGrad = no_grad();
        return network.Extract(photos, allLayers ? plan.AllLayers : [.. plan.Content.Select(l => l.Layer)]);
    }

    /// <summary>
    /// The style weight that balances the batch as <see cref="AutomaticWeight"/> balances an optimisation run: factor ×
    /// (estimated content loss of the style image ÷ style loss of the photos), from features at every layer.
    /// </summary>
    public double AutomaticStyleWeight(IReadOnlyDictionary<string, Tensor> features, double factor)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return AutomaticWeight.Compute(plan, style, factor,
            layer => PerImageStyle(features[layer], grams[layer]).item<float>(),
            layer => (features[layer].square().mean().item<float>(), features[layer].mean([0, 2, 3]).cpu().data<float>().ToArray()));
    }

    /// <summary>
    /// The unweighted terms (content, style, total variation) of the stylised <paramref name="output"/>; the total variation
    /// of <paramref name="totalVariationOf"/> when given (the output itself, where the loss sees it moved: <see cref="LossShift"/>).
    /// </summary>
    public (Tensor Content, Tensor Style, Tensor TotalVariation) Evaluate(Tensor output, IReadOnlyDictionary<string, Tensor> contentFeatures, bool withTotalVariation,
        Tensor? totalVariationOf = null)
    {
        var features = network.Extract(output, plan.AllLayers);
        var content = StyleLosses.Content(plan.Content, features, contentFeatures, output.device);
        var styleLoss = zeros(1, device: output.device);
        foreach (var layer in plan.Style)
        {
            using var weight = layer.Weight.ToScalar();
            styleLoss = styleLoss.Plus(PerImageStyle(features[layer.Layer], grams[layer.Layer]) * weight);
        }
        var tv = withTotalVariation ? StyleLosses.TotalVariation(totalVariationOf ?? output) : zeros(1, device: output.device);
        return (content, styleLoss, tv);
    }

    // The style loss of each image of the batch against the target, averaged. Each image's features are copied out of the
    // batch first, so the Gram product sees the one-image layout the engine's optimisation runs give it.
    private static Tensor PerImageStyle(Tensor features, Tensor gram)
    {
        var batch = features.shape[0];
        var sum = StyleLosses.Style(features.narrow(0, 0, 1).contiguous(), gram);
        for (var b = 1; b < batch; b++)
        {
            sum = sum + StyleLosses.Style(features.narrow(0, b, 1).contiguous(), gram);
        }
        using var count = ((double)batch).ToScalar();
        return sum / count;
    }
}
