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
        var (b, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3]);
        var f = features.reshape(b * c, h * w);
        return f.mm(f.t()).div_(b * c * h * w);
    }

    /// <summary>Content loss: mean squared difference of two feature maps.</summary>
    public static Tensor Content(Tensor features, Tensor target) => nn.functional.mse_loss(features, target);

    /// <summary>Style loss: mean squared difference of the features' Gram matrix and a target Gram matrix.</summary>
    public static Tensor Style(Tensor features, Tensor targetGram) => nn.functional.mse_loss(Gram(features), targetGram);

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
        return dy.square().mean() + dx.square().mean();
    }
}
