using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Control;

/// <summary>With regions, the tile-by-tile loss and gradient are still the whole image's.</summary>
[Collection(TorchCollection.Name)]
public sealed class TiledRegionsTests(ITestOutputHelper output)
{
    [Fact]
    public void TiledObjective_TwoSoftOverlappingRegions_MatchesTheWholeImage()
    {
        using var network = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
        using var scope = NewDisposeScope();
        var engine = new StyleTransferEngine(network);
        var plan = LayerPlan.Resolve(network, null, null, null);
        var stride = TileGeometry.For(network, plan.AllLayers).Stride;
        var photo = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")), long.MaxValue, 128);
        var (w, h) = ImageCodec.FitWithin(photo.Width, photo.Height, 128, stride);
        var content = ImageTensor.ToTensor(ImageCodec.Resize(photo, w, h), network.Device);
        StyleTargets Targets(string name) => engine.ComputeStyleTargets(
            ImageCodec.Decode(File.ReadAllBytes(TestData.Image(name)), long.MaxValue, 128), new StyleTargetOptions { MaxSide = 128 });
        var (own, scream, starry) = (Targets("woman-with-hat-matisse.jpg"), Targets("the_scream.jpg"), Targets("starry_night.jpg"));
        // A soft vertical ramp over the right part, and a disc that overlaps it (weights add up past 1 there), at other sizes than the image.
        var ramp = new float[50 * 40];
        for (var i = 0; i < ramp.Length; i++)
        {
            ramp[i] = Math.Clamp((i % 50 - 20) / 20f, 0, 1);
        }
        var disc = new float[100 * 80];
        for (var i = 0; i < disc.Length; i++)
        {
            var (x, y) = (i % 100 - 60, i / 100 - 40);
            disc[i] = x * x + y * y < 25 * 25 ? 1 : 0;
        }
        StyleRegion[] regions = [new(new RegionMask(50, 40, ramp), [scream], 1.0), new(new RegionMask(100, 80, disc), [starry], 2.0)];
        var options = new StyleTransferOptions { MaxSide = 128, StyleWeight = 1e5 };
        using var generator = new Generator(11, network.Device);
        var start = content.mul(0.7).add_(rand(content.shape, generator: generator, device: network.Device).mul_(0.3));

        var whole = StyleObjective.Create(network, plan, content, own, options, (regions, 0));
        var tiled = TiledStyleObjective.Create(network, plan, content, own, options, 32, (regions, 0));
        var a = start.clone().requires_grad_(true);
        var wholeLosses = whole.Evaluate(a, backward: true);
        var b = start.clone().requires_grad_(true);
        var tiledLosses = tiled.Evaluate(b, backward: true);

        var (ga, gb) = (a.grad!.flatten(), b.grad!.flatten());
        var cosine = ga.dot(gb).item<float>() / (ga.norm().item<float>() * gb.norm().item<float>());
        var norms = gb.norm().item<float>() / ga.norm().item<float>();
        var relative = Math.Abs(wholeLosses.Style - tiledLosses.Style) / wholeLosses.Style;
        output.WriteLine($"{w}×{h}, {tiled.TileCount} tiles: style {wholeLosses.Style:E6} vs {tiledLosses.Style:E6} (rel {relative:E2}), gradient cosine {cosine:F7}, norm ratio {norms:F6}");
        Assert.True(tiled.TileCount >= 4);
        Assert.True(relative <= 1e-4, $"relative style loss difference {relative:E2}");
        Assert.True(cosine >= 0.9999, $"gradient cosine {cosine}");
        Assert.InRange(norms, 0.999, 1.001);
    }
}
