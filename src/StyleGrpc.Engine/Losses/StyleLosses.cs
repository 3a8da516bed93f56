using StyleGrpc.Engine.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Losses;

/// <summary>The loss terms of Gatys et al., as the PyTorch tutorial defines them.</summary>
public static class StyleLosses
{
    /// <summary>
    /// Gram matrix of a feature map (B×C×H×W): <c>F·Fᵀ / (B·C·H·W)</c> with F the features reshaped to
    /// (B·C)×(H·W). Returns (B·C)×(B·C).
    /// </summary>
    public static Tensor Gram(Tensor features)
    {
        var f = ChannelsLast.FeatureMatrix(features, out var channelsByPositions);
        var gram = channelsByPositions ? f.mm(f.t()) : f.t().mm(f);
        using var count = features.numel().ToScalar();
        return gram.div_(count);
    }

    /// <summary>Content loss: mean squared difference of two feature maps.</summary>
    /// <remarks>Channels-last maps are compared as their contiguous NHWC views: libtorch's MSE on the strided NCHW views is several times slower.</remarks>
    public static Tensor Content(Tensor features, Tensor target) => ChannelsLast.Is(features) && ChannelsLast.Is(target)
        ? nn.functional.mse_loss(features.permute(0, 2, 3, 1), target.permute(0, 2, 3, 1))
        : nn.functional.mse_loss(features, target);

    /// <summary>The content loss over <paramref name="layers"/>: each layer's <see cref="Content(Tensor, Tensor)"/>, times its weight, summed.</summary>
    public static Tensor Content(IReadOnlyList<LayerWeight> layers, IReadOnlyDictionary<string, Tensor> features, IReadOnlyDictionary<string, Tensor> targets,
        Device device)
    {
        var sum = zeros(1, device: device);
        foreach (var layer in layers)
        {
            using var weight = layer.Weight.ToScalar();
            sum = sum.Plus(Content(features[layer.Layer], targets[layer.Layer]) * weight);
        }
        return sum;
    }

    /// <summary>Style loss: mean squared difference of the features' Gram matrix and a target Gram matrix.</summary>
    /// <remarks>
    /// Autograd through <c>F·Fᵀ</c> computes two products and adds a transposed copy. Because
    /// <c>G − T</c> is symmetric, the true gradient is exactly twice the gradient through the first
    /// factor alone, so the loss is built as <c>2·L' − sg(L')</c> with <c>L'</c> using a detached second
    /// factor: the same value, the same gradient, one product in the backward pass (about 40 % less
    /// time for the Gram terms; see docs/performance.md).
    /// </remarks>
    public static Tensor Style(Tensor features, Tensor targetGram)
    {
        if (!features.requires_grad || !EngineTuning.OneProductGramGradient)
        {
            return nn.functional.mse_loss(Gram(features), targetGram);
        }
        var f = ChannelsLast.FeatureMatrix(features, out var channelsByPositions);
        // The factor that carries the gradient is the one laid out like the features (C×HW rows for
        // NCHW, HW×C for channels-last), so the gradient arrives in the features' own layout.
        var product = channelsByPositions ? f.mm(f.detach().t()) : f.detach().t().mm(f);
        using var count = features.numel().ToScalar();
        var oneSided = nn.functional.mse_loss(product.div_(count), targetGram);
        return oneSided.mul(Scalars.Two).sub_(oneSided.detach());
    }

    /// <summary>
    /// Total variation of an image batch (B×C×H×W): the mean of squared differences between horizontal
    /// neighbours plus the mean of squared differences between vertical neighbours.
    /// </summary>
    public static Tensor TotalVariation(Tensor image)
    {
        var h = image.shape[2];
        var w = image.shape[3];
        var dy = image[.., .., 1..(int)h, ..] - image[.., .., 0..(int)(h - 1), ..];
        var dx = image[.., .., .., 1..(int)w] - image[.., .., .., 0..(int)(w - 1)];
        return dy.square().mean().Plus(dx.square().mean());
    }

    /// <summary>
    /// Short-term temporal loss of Ruder et al. 2016 (eq. 3): <c>(1/D) Σ c·(x − ω)²</c> over every pixel and channel of
    /// <paramref name="image"/> (B×C×H×W), D = its element count. <paramref name="warped"/> (ω) has the image's shape;
    /// <paramref name="weights"/> (c) is B×1×H×W and broadcasts over the channels. The engine passes [0, 1] pixels.
    /// </summary>
    public static Tensor Temporal(Tensor image, Tensor warped, Tensor weights) => (image - warped).square().mul(weights).mean();
}
