using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Control;

/// <summary>
/// Guided Gram matrices (Gatys et al. 2017, spatial control): the Gram matrix of the features weighted by a guidance
/// channel m at the layer's resolution, normalised by the channel's own area, G = Σₚ mₚ fₚ fₚᵀ / (C · Σₚ mₚ): the mean
/// outer product over the region, so a small region's Gram is on the scale of a whole image's (a small region is not
/// drowned) and an all-ones channel gives exactly the plain Gram matrix. The features are multiplied by √m, so soft
/// edges weigh positions linearly.
/// </summary>
internal static class GuidedGram
{
    /// <summary>The guided Gram matrix of 1×C×H×W <paramref name="features"/>; <paramref name="sqrtMask"/> 1×1×H×W or null (all ones).</summary>
    /// <param name="area">Σ m over the positions (H·W for an all-ones channel).</param>
    public static Tensor Gram(Tensor features, Tensor? sqrtMask, double area)
    {
        var f = Product(features, sqrtMask);
        using var count = (features.shape[1] * area).ToScalar();
        return f.div_(count);
    }

    /// <summary>The unnormalised product (F·√m)(F·√m)ᵀ, C×C: what tiles add up.</summary>
    public static Tensor Product(Tensor features, Tensor? sqrtMask)
    {
        var weighted = sqrtMask is null ? features : features.mul(sqrtMask);
        var m = weighted.reshape(features.shape[1], -1);
        return m.mm(m.t());
    }

    /// <summary>
    /// Mean squared difference of the guided Gram matrix and <paramref name="target"/>. With a gradient it is built as
    /// 2·L′ − sg(L′), L′ through one factor of the product only (as <see cref="Losses.StyleLosses.Style"/>): same value and
    /// gradient, one product in the backward pass.
    /// </summary>
    public static Tensor Loss(Tensor features, Tensor? sqrtMask, double area, Tensor target)
    {
        if (!features.requires_grad || !EngineTuning.OneProductGramGradient)
        {
            return nn.functional.mse_loss(Gram(features, sqrtMask, area), target);
        }
        var weighted = sqrtMask is null ? features : features.mul(sqrtMask);
        var m = weighted.reshape(features.shape[1], -1);
        using var count = (features.shape[1] * area).ToScalar();
        var oneSided = nn.functional.mse_loss(m.mm(m.detach().t()).div_(count), target);
        return oneSided.mul(Scalars.Two).sub_(oneSided.detach());
    }
}
