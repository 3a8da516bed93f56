using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Control;

/// <summary>
/// The guidance channels of one level of a run with regions: each region's mask scaled to the level (area-averaged when
/// the mask is larger, bilinear when smaller), overlaps normalised (where the regions' weights add up to more than 1 they
/// are divided by their sum), and a background channel, 1 − Σ regions, for the request's own style. Each channel is carried
/// to every style layer's resolution by area averaging, with its area there, its style's Gram targets and its weight: the
/// region's weight divided by the number of channels that cover anything, so a run whose regions leave nothing to the
/// request's style, or a run with one region, weighs style as a run without regions does. A channel covering less than
/// 0.01 % of the level is left out. The tensors belong to the caller's dispose scope (the level's).
/// </summary>
internal sealed class RegionGuidance
{
    /// <summary>Smallest share of a level a channel must cover to count.</summary>
    public const double MinimumArea = 1e-4;

    private RegionGuidance(IReadOnlyList<Channel> channels) => Channels = channels;

    /// <summary>The channels that cover anything, the background (the request's own style) first when it does.</summary>
    public IReadOnlyList<Channel> Channels { get; }

    /// <summary>
    /// One guidance channel: its weight (already divided by the channel count), and per style layer its Gram target, the
    /// square root of its mask at that layer's resolution (1×1×h×w; null = all ones) and its area there (Σ m, in positions).
    /// </summary>
    public sealed record Channel(double Weight, Dictionary<string, Tensor> Targets, Dictionary<string, Tensor?> SqrtMasks, Dictionary<string, double> Areas);

    /// <summary>The unguided case as one all-ones channel of weight 1 (what the tiled objective adds up the same way).</summary>
    public static RegionGuidance Whole(Dictionary<string, Tensor> targets, Func<string, (long Height, long Width)> layerSize) =>
        new([new Channel(1.0, targets, targets.Keys.ToDictionary(l => l, Tensor? (_) => null),
            targets.Keys.ToDictionary(l => l, l => (double)(layerSize(l).Height * layerSize(l).Width)))]);

    /// <summary>The guidance of level <paramref name="level"/> (<paramref name="width"/>×<paramref name="height"/>); null without regions.</summary>
    /// <param name="regions">The run's regions.</param>
    /// <param name="level">The level's index (which of each region's targets to use).</param>
    /// <param name="width">The level's width, in pixels.</param>
    /// <param name="height">The level's height, in pixels.</param>
    /// <param name="background">The request's own style's Gram targets at this level, per style layer.</param>
    /// <param name="layerSize">A style layer's feature-map size at this level.</param>
    /// <param name="device">Where the tensors live.</param>
    public static RegionGuidance? Create(IReadOnlyList<StyleRegion> regions, int level, int width, int height,
        Dictionary<string, Tensor> background, Func<string, (long Height, long Width)> layerSize, Device device)
    {
        if (regions.Count == 0)
        {
            return null;
        }
        var masks = regions.Select(r => LevelMask(r.Mask, width, height, device)).ToList();
        var total = masks[0].clone();
        foreach (var mask in masks.Skip(1))
        {
            total.PlusInPlace(mask);
        }
        var divisor = total.clamp_min(Scalars.One);
        var rest = total.div(divisor).neg_().PlusInPlace(Scalars.One).clamp_min_(Scalars.Zero);
        var parts = new List<(Tensor Mask, double Weight, Dictionary<string, Tensor> Targets)> { (rest, 1.0, background) };
        for (var i = 0; i < regions.Count; i++)
        {
            var targets = background.Keys.ToDictionary(l => l, l =>
            {
                var stats = regions[i].LevelTargets[level].Find(l)!;
                return tensor(stats.Gram, [stats.Channels, stats.Channels], device: device);
            });
            parts.Add((masks[i].div(divisor), regions[i].Weight, targets));
        }
        var covering = parts.Where(p => p.Mask.mean().item<float>() >= MinimumArea).ToList();
        var channels = covering.Select(part =>
        {
            var sqrtMasks = new Dictionary<string, Tensor?>();
            var areas = new Dictionary<string, double>();
            foreach (var layer in background.Keys)
            {
                var (h, w) = layerSize(layer);
                var atLayer = nn.functional.interpolate(part.Mask, [h, w], mode: InterpolationMode.Area);
                areas[layer] = atLayer.sum().item<float>();
                sqrtMasks[layer] = atLayer.sqrt_();
            }
            return new Channel(part.Weight / covering.Count, part.Targets, sqrtMasks, areas);
        }).ToList();
        return new RegionGuidance(channels);
    }

    /// <summary>
    /// The guided style loss of one layer: Σ over channels of weight × MSE(guided Gram, the channel's target). A channel
    /// whose area at this layer is (numerically) nothing is skipped.
    /// </summary>
    public Tensor StyleLoss(string layer, Tensor features)
    {
        Tensor? loss = null;
        foreach (var channel in Channels)
        {
            if (channel.Areas[layer] <= 1e-6)
            {
                continue;
            }
            using var weight = channel.Weight.ToScalar();
            var term = GuidedGram.Loss(features, channel.SqrtMasks[layer], channel.Areas[layer], channel.Targets[layer]).mul_(weight);
            loss = loss is null ? term : loss.PlusInPlace(term);
        }
        return loss ?? zeros(1, device: features.device);
    }

    // The mask as 1×1×H×W at the level's size, in [0, 1].
    private static Tensor LevelMask(RegionMask mask, int width, int height, Device device)
    {
        var values = tensor(mask.Values, [1, 1, mask.Height, mask.Width], device: device);
        if (mask.Width == width && mask.Height == height)
        {
            return values;
        }
        var mode = mask.Width >= width && mask.Height >= height ? InterpolationMode.Area : InterpolationMode.Bilinear;
        var scaled = mode == InterpolationMode.Area
            ? nn.functional.interpolate(values, [height, width], mode: mode)
            : nn.functional.interpolate(values, [height, width], mode: mode, align_corners: false);
        return scaled.clamp_(Scalars.Zero, Scalars.One);
    }
}
