using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>
/// The whole-image loss and gradient of Gatys et al., computed tile by tile, exactly. A Gram matrix is a sum over
/// positions, so a first pass over the tiles (no gradient) adds up each style layer's Gram matrix of the whole image;
/// a second pass runs each tile forward and backward with the whole-image dL/dG held fixed (the surrogate ⟨dL/dG, G_tile⟩
/// has exactly the true gradient) plus the tile's share of the content loss, and adds the tile's input gradient into one
/// whole-image gradient. Tiles overlap by a margin that covers the deepest layer's receptive field, and only the features
/// of each tile's core count; the cores partition the feature maps, so every sum is the whole image's (no blending).
/// Tiles start on multiples of the network's total stride, so pooling windows line up. Memory grows with the tile, not
/// the image (plus image-sized vectors: the image, its gradient, the optimiser's state, the content features).
/// </summary>
internal sealed class TiledStyleObjective : IStyleObjective
{
    private readonly IFeatureNetwork network;
    private readonly LayerPlan plan;
    private readonly IReadOnlyList<Tile> tiles;
    private readonly Dictionary<string, int> strides;
    private readonly Dictionary<string, Tensor> gramTargets;
    // Per tile, per content layer: the content image's core features.
    private readonly List<Dictionary<string, Tensor>> contentCores;
    // Per layer: the number of feature values of the whole image (the MSE and Gram normalisers).
    private readonly Dictionary<string, long> wholeCounts;
    // The guidance channels whose guided Gram matrices are matched: with regions, the level's; else one all-ones channel.
    private RegionGuidance guidance = null!;

    private TiledStyleObjective(IFeatureNetwork network, LayerPlan plan, IReadOnlyList<Tile> tiles, Dictionary<string, int> strides,
        Dictionary<string, Tensor> gramTargets, List<Dictionary<string, Tensor>> contentCores, Dictionary<string, long> wholeCounts)
    {
        this.network = network;
        this.plan = plan;
        this.tiles = tiles;
        this.strides = strides;
        this.gramTargets = gramTargets;
        this.contentCores = contentCores;
        this.wholeCounts = wholeCounts;
    }

    public double ContentWeight { get; private set; }

    public double StyleWeight { get; private set; }

    public bool StyleWeightAutomatic { get; private set; }

    public double TotalVariationWeight { get; private set; }

    /// <summary>Tiles the image is evaluated in.</summary>
    public int TileCount => tiles.Count;

    /// <summary>The margin around each tile's core, in pixels.</summary>
    public int Margin { get; private init; }

    /// <param name="core">Side of a tile's core, in pixels (rounded to the network's total stride).</param>
    /// <param name="regions">The run's regions and this level's index (none by default).</param>
    public static TiledStyleObjective Create(IFeatureNetwork network, LayerPlan plan, Tensor content, StyleTargets style, StyleTransferOptions options, int core,
        (IReadOnlyList<StyleRegion> Regions, int Level) regions = default)
    {
        var geometry = TileGeometry.For(network, plan.AllLayers);
        var height = (int)content.shape[2];
        var width = (int)content.shape[3];
        if (height % geometry.Stride != 0 || width % geometry.Stride != 0)
        {
            throw new InvalidStyleOptionException("TileSize", $"tiled images need sides that are multiples of {geometry.Stride} (got {width}×{height})");
        }
        core = Math.Max(geometry.Stride, core / geometry.Stride * geometry.Stride);
        var tiles = Tile.Cover(height, width, core, geometry.Margin);
        var device = network.Device;
        var grams = plan.Style.Select(l => style.Find(l.Layer)!)
            .ToDictionary(s => s.Layer, s => tensor(s.Gram, [s.Channels, s.Channels], device: device));
        var wholeCounts = new Dictionary<string, long>();
        var contentCores = new List<Dictionary<string, Tensor>>();
        // Whole-image statistics of the content image, for the automatic style weight.
        var contentGrams = new Dictionary<string, Tensor>();
        var squares = new Dictionary<string, double>();
        var channelSums = new Dictionary<string, Tensor>();
        using (no_grad())
        {
            foreach (var tile in tiles)
            {
                var cores = new Dictionary<string, Tensor>();
                using (NewDisposeScope())
                {
                    var features = network.Extract(tile.Slice(content), plan.AllLayers);
                    foreach (var layer in plan.AllLayers)
                    {
                        var f = tile.Core(features[layer], geometry.Strides[layer]);
                        var channels = (int)f.shape[1];
                        wholeCounts[layer] = channels * (long)(height / geometry.Strides[layer]) * (width / geometry.Strides[layer]);
                        if (plan.Content.Any(c => c.Layer == layer))
                        {
                            cores[layer] = f.contiguous().MoveToOuterDisposeScope();
                            squares[layer] = squares.GetValueOrDefault(layer) + f.square().sum().item<float>();
                            var sums = f.sum([0, 2, 3]);
                            if (channelSums.TryGetValue(layer, out var total))
                            {
                                total.PlusInPlace(sums);
                            }
                            else
                            {
                                channelSums[layer] = sums.MoveToOuterDisposeScope();
                            }
                        }
                        if (grams.ContainsKey(layer))
                        {
                            var m = f.reshape(channels, -1);
                            var product = m.mm(m.t());
                            if (contentGrams.TryGetValue(layer, out var sum))
                            {
                                sum.PlusInPlace(product);
                            }
                            else
                            {
                                contentGrams[layer] = product.MoveToOuterDisposeScope();
                            }
                        }
                    }
                }
                contentCores.Add(cores);
            }
        }
        var objective = new TiledStyleObjective(network, plan, tiles, geometry.Strides, grams, contentCores, wholeCounts)
        {
            ContentWeight = options.ContentWeight ?? plan.Preset.ContentWeight,
            TotalVariationWeight = options.TotalVariationWeight ?? plan.Preset.TotalVariationWeight,
            Margin = geometry.Margin,
        };
        var fixedWeight = options.StyleWeight ?? plan.Preset.StyleWeight;
        objective.StyleWeightAutomatic = fixedWeight is null;
        using (no_grad())
        {
            objective.StyleWeight = fixedWeight ?? AutomaticWeight.Compute(plan, style, options.AutoStyleWeightFactor,
                layer =>
                {
                    using var scope = NewDisposeScope();
                    using var count = wholeCounts[layer].ToScalar();
                    return nn.functional.mse_loss(contentGrams[layer].div(count), grams[layer]).item<float>();
                },
                layer =>
                {
                    using var scope = NewDisposeScope();
                    var channels = channelSums[layer].shape[0];
                    using var positions = (wholeCounts[layer] / channels).ToScalar();
                    return (squares[layer] / wholeCounts[layer], channelSums[layer].div(positions).cpu().data<float>().ToArray());
                });
        }
        foreach (var gram in contentGrams.Values)
        {
            gram.Dispose();
        }
        (long, long) LayerSize(string layer) => (height / geometry.Strides[layer], width / geometry.Strides[layer]);
        objective.guidance = RegionGuidance.Create(regions.Regions ?? [], regions.Level, width, height, grams, LayerSize, device)
            ?? RegionGuidance.Whole(grams, LayerSize);
        return objective;
    }

    public StepLosses Evaluate(Tensor image, bool backward)
    {
        if (backward && image.grad is { } existing)
        {
            existing.zero_();
        }
        // Pass 1: the whole image's (guided) Gram matrices per guidance channel, tile by tile, without a graph.
        var channels = guidance.Channels;
        var wholeGrams = new Dictionary<(string Layer, int Channel), Tensor>();
        using (no_grad())
        {
            foreach (var tile in tiles)
            {
                using var scope = NewDisposeScope();
                var features = network.Extract(tile.Slice(image.detach()), [.. gramTargets.Keys]);
                foreach (var layer in gramTargets.Keys)
                {
                    var f = tile.Core(features[layer], strides[layer]);
                    for (var k = 0; k < channels.Count; k++)
                    {
                        var product = GuidedGram.Product(f, CoreMask(tile, channels[k], layer));
                        if (wholeGrams.TryGetValue((layer, k), out var sum))
                        {
                            sum.PlusInPlace(product);
                        }
                        else
                        {
                            wholeGrams[(layer, k)] = product.MoveToOuterDisposeScope();
                        }
                    }
                }
            }
        }
        double styleLoss = 0;
        var dGram = new Dictionary<(string Layer, int Channel), Tensor>();
        using (no_grad())
        {
            foreach (var layer in plan.Style)
            {
                for (var k = 0; k < channels.Count; k++)
                {
                    var area = channels[k].Areas[layer.Layer];
                    if (area <= 1e-6)
                    {
                        continue;
                    }
                    // The Gram normaliser: C × the channel's area (C·H·W for the all-ones channel).
                    var normaliser = wholeGrams[(layer.Layer, k)].shape[0] * area;
                    using var count = normaliser.ToScalar();
                    var g = wholeGrams[(layer.Layer, k)].div_(count);
                    var difference = g - channels[k].Targets[layer.Layer];
                    styleLoss += layer.Weight * channels[k].Weight * difference.square().mean().item<float>();
                    // d(weight · mean((G − T)²))/dG, times the run's style weight, divided by the Gram normaliser (the
                    // surrogate uses unnormalised tile products).
                    using var scale = (StyleWeight * layer.Weight * channels[k].Weight * 2.0 / difference.numel() / normaliser).ToScalar();
                    dGram[(layer.Layer, k)] = difference.mul_(scale);
                }
            }
        }
        if (backward && image.grad is null)
        {
            // Give the image a (zero) gradient to add the tiles' into.
            image.sum().mul(Scalars.Zero).backward();
        }
        // Pass 2: each tile forward and backward; the input gradients add up to the whole image's.
        double contentLoss = 0;
        for (var i = 0; i < tiles.Count; i++)
        {
            var tile = tiles[i];
            using var scope = NewDisposeScope();
            var input = tile.Slice(image.detach()).clone().requires_grad_(backward);
            var features = network.Extract(input, plan.AllLayers);
            var surrogate = zeros(1, device: image.device);
            foreach (var layer in plan.Style)
            {
                var f = tile.Core(features[layer.Layer], strides[layer.Layer]);
                for (var k = 0; k < channels.Count; k++)
                {
                    if (dGram.TryGetValue((layer.Layer, k), out var d))
                    {
                        surrogate = surrogate.Plus(d.mul(GuidedGram.Product(f, CoreMask(tile, channels[k], layer.Layer))).sum());
                    }
                }
            }
            foreach (var layer in plan.Content)
            {
                var f = tile.Core(features[layer.Layer], strides[layer.Layer]);
                var squared = (f - contentCores[i][layer.Layer]).square().sum();
                using var count = wholeCounts[layer.Layer].ToScalar();
                var share = squared.div(count);
                contentLoss += layer.Weight * share.item<float>();
                using var weight = (ContentWeight * layer.Weight).ToScalar();
                surrogate = surrogate.Plus(share.mul(weight));
            }
            if (backward)
            {
                surrogate.backward();
                using (no_grad())
                {
                    tile.Slice(image.grad!).PlusInPlace(input.grad!);
                }
            }
        }
        foreach (var g in dGram.Values)
        {
            g.Dispose();
        }
        foreach (var g in wholeGrams.Values)
        {
            g.Dispose();
        }
        double tvLoss = 0;
        if (TotalVariationWeight > 0)
        {
            var tv = StyleLosses.TotalVariation(image);
            tvLoss = tv.item<float>();
            if (backward)
            {
                using var weight = TotalVariationWeight.ToScalar();
                tv.mul(weight).backward();
            }
        }
        var total = ContentWeight * contentLoss + StyleWeight * styleLoss + TotalVariationWeight * tvLoss;
        return new StepLosses(contentLoss, styleLoss, tvLoss, total);
    }

    // The channel's √mask over the tile's core at the layer's resolution; null for the all-ones channel.
    private Tensor? CoreMask(Tile tile, RegionGuidance.Channel channel, string layer) =>
        channel.SqrtMasks[layer] is { } mask ? tile.CoreOf(mask, strides[layer]) : null;

    /// <summary>A tile: its core (which feature positions count) inside its input window (core plus margins, clipped to the image).</summary>
    private sealed record Tile(int Top, int Left, int Bottom, int Right, int CoreTop, int CoreLeft, int CoreBottom, int CoreRight)
    {
        public static List<Tile> Cover(int height, int width, int core, int margin)
        {
            var tiles = new List<Tile>();
            for (var y = 0; y < height; y += core)
            {
                for (var x = 0; x < width; x += core)
                {
                    var (cy1, cx1) = (Math.Min(height, y + core), Math.Min(width, x + core));
                    tiles.Add(new Tile(Math.Max(0, y - margin), Math.Max(0, x - margin), Math.Min(height, cy1 + margin), Math.Min(width, cx1 + margin),
                        y, x, cy1, cx1));
                }
            }
            return tiles;
        }

        /// <summary>The tile's input window of an image-sized tensor (a view).</summary>
        public Tensor Slice(Tensor image) => image[.., .., Top..Bottom, Left..Right];

        /// <summary>The core's positions of a whole-image map at <paramref name="stride"/> (e.g. a guidance channel at a layer's resolution).</summary>
        public Tensor CoreOf(Tensor whole, int stride) =>
            whole[.., .., (CoreTop / stride)..(CoreBottom / stride), (CoreLeft / stride)..(CoreRight / stride)];

        /// <summary>The core's positions of a feature map of this tile's input at <paramref name="stride"/>.</summary>
        public Tensor Core(Tensor features, int stride) =>
            features[.., .., ((CoreTop - Top) / stride)..((CoreBottom - Top) / stride), ((CoreLeft - Left) / stride)..((CoreRight - Left) / stride)];
    }
}
