using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>
/// A video frame's loss: another objective's (whole or tiled) plus Ruder et al.'s short-term temporal term
/// (<see cref="TemporalGuide"/>). The term is per pixel, so it is computed on the whole image after the inner objective has
/// left its gradient in <c>image.grad</c>, and its gradient is added to it: tiled levels need nothing of their own. Its
/// tensors (the guide at this level's size) belong to the level's dispose scope.
/// </summary>
internal sealed class TemporalObjective : IStyleObjective
{
    private readonly IStyleObjective inner;
    private readonly Tensor warped;
    private readonly Tensor weights;

    private TemporalObjective(IStyleObjective inner, Tensor warped, Tensor weights, double coefficient)
    {
        this.inner = inner;
        this.warped = warped;
        this.weights = weights;
        TemporalWeight = coefficient;
    }

    public double ContentWeight => inner.ContentWeight;

    public double StyleWeight => inner.StyleWeight;

    public bool StyleWeightAutomatic => inner.StyleWeightAutomatic;

    public double TotalVariationWeight => inner.TotalVariationWeight;

    /// <summary>The coefficient of the temporal loss in the total (<see cref="TemporalGuide.Coefficient"/>).</summary>
    public double TemporalWeight { get; }

    /// <param name="inner">The level's objective.</param>
    /// <param name="network">The feature network (its device).</param>
    /// <param name="guide">The frame's guide, at the content image's size (already in the run's colour space).</param>
    /// <param name="presetWeight">The preset's γ (<see cref="LayerPreset.TemporalWeight"/>).</param>
    /// <param name="width">This level's width, in pixels.</param>
    /// <param name="height">This level's height, in pixels.</param>
    public static TemporalObjective Create(IStyleObjective inner, IFeatureNetwork network, TemporalGuide guide, double presetWeight, int width, int height)
    {
        var device = network.Device;
        var warped = ImageTensor.ToTensor(ImageCodec.Resize(guide.Warped, width, height), device);
        var weights = tensor(guide.Weights, [1, 1, guide.Warped.Height, guide.Warped.Width], device: device);
        if (guide.Warped.Width != width || guide.Warped.Height != height)
        {
            using var full = weights;
            var shrinking = width <= guide.Warped.Width && height <= guide.Warped.Height;
            // Area averages a shrinking mask (an occluded pixel lowers its block's reliability), bilinear enlarges one.
            weights = shrinking
                ? nn.functional.interpolate(full, [height, width], mode: InterpolationMode.Area)
                : nn.functional.interpolate(full, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        }
        return new TemporalObjective(inner, warped, weights, guide.Coefficient(presetWeight, inner.ContentWeight));
    }

    /// <summary>The inner objective's losses with the temporal term added; with <paramref name="backward"/>, its gradient too.</summary>
    public StepLosses Evaluate(Tensor image, bool backward)
    {
        var losses = inner.Evaluate(image, backward);
        var temporal = StyleLosses.Temporal(image, warped, weights);
        if (backward)
        {
            using var coefficient = TemporalWeight.ToScalar();
            temporal.mul(coefficient).backward();
        }
        var value = temporal.item<float>();
        return losses with { Temporal = value, Total = losses.Total + TemporalWeight * value };
    }
}
