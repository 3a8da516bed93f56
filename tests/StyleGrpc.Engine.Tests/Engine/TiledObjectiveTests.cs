using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Engine;

/// <summary>Tile-by-tile evaluation gives the whole image's loss and gradient: tiles really smaller than the image.</summary>
[Collection(TorchCollection.Name)]
public sealed class TiledObjectiveTests(ITestOutputHelper output)
{
    private static (double Relative, double Cosine, StepLossesPair Losses) Compare(IFeatureNetwork network, int side, int core, string? preset = null)
    {
        using var scope = NewDisposeScope();
        var engine = new StyleTransferEngine(network);
        var photo = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")));
        var painting = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("starry_night.jpg")));
        var plan = LayerPlan.Resolve(network, preset, null, null);
        var stride = TileGeometry.For(network, plan.AllLayers).Stride;
        var (w, h) = ImageCodec.FitWithin(photo.Width, photo.Height, side, Math.Max(stride, network.SizeMultiple));
        var content = ImageTensor.ToTensor(ImageCodec.Resize(photo, w, h), network.Device);
        var targets = engine.ComputeStyleTargets(painting, new StyleTargetOptions { MaxSide = side, Preset = preset });
        var options = new StyleTransferOptions { MaxSide = side, Preset = preset };
        using var generator = new Generator(11, network.Device);
        var start = content.mul(0.7).add_(rand(content.shape, generator: generator, device: network.Device).mul_(0.3));

        var whole = StyleObjective.Create(network, plan, content, targets, options);
        var tiled = TiledStyleObjective.Create(network, plan, content, targets, options, core);
        Assert.True(tiled.TileCount >= 4, $"only {tiled.TileCount} tiles");
        Assert.True(Math.Abs(whole.StyleWeight - tiled.StyleWeight) <= 1e-5 * Math.Abs(whole.StyleWeight), $"style weight {whole.StyleWeight} vs {tiled.StyleWeight}");

        var a = start.clone().requires_grad_(true);
        var wholeLosses = whole.Evaluate(a, backward: true);
        var b = start.clone().requires_grad_(true);
        var tiledLosses = tiled.Evaluate(b, backward: true);
        var ga = a.grad!.flatten();
        var gb = b.grad!.flatten();
        var cosine = ga.dot(gb).item<float>() / (ga.norm().item<float>() * gb.norm().item<float>());
        var relative = Math.Abs(wholeLosses.Total - tiledLosses.Total) / Math.Abs(wholeLosses.Total);
        return (relative, cosine, new StepLossesPair(wholeLosses.Total, tiledLosses.Total, tiled.TileCount, tiled.Margin));
    }

    public sealed record StepLossesPair(double Whole, double Tiled, int Tiles, int Margin);

    [Fact]
    public void ReferenceVgg_256WithCoresOf64_MatchesTheWholeImage()
    {
        using var network = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
        var (relative, cosine, losses) = Compare(network, 256, 64);
        output.WriteLine($"VGG19 conv3_1, 256 px, cores 64: {losses.Tiles} tiles, margin {losses.Margin}, total {losses.Whole:E6} vs {losses.Tiled:E6} (rel {relative:E2}), gradient cosine {cosine:F7}");
        Assert.True(relative <= 1e-4, $"relative loss difference {relative:E2}");
        Assert.True(cosine >= 0.9999, $"gradient cosine {cosine}");
    }

    [Fact]
    public void OfflineResNet_384WithCoresOf128_MatchesTheWholeImage()
    {
        using var network = ResNet18Network.Load();
        var (relative, cosine, losses) = Compare(network, 384, 128);
        output.WriteLine($"ResNet18, 384 px, cores 128: {losses.Tiles} tiles, margin {losses.Margin}, total {losses.Whole:E6} vs {losses.Tiled:E6} (rel {relative:E2}), gradient cosine {cosine:F7}");
        Assert.True(relative <= 1e-4, $"relative loss difference {relative:E2}");
        Assert.True(cosine >= 0.9999, $"gradient cosine {cosine}");
    }

    [Fact]
    public void Run_TwentyIterationsTiled_EndsWithinOnePercentOfUntiled()
    {
        using var network = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
        var engine = new StyleTransferEngine(network);
        var photo = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")));
        var targets = engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("starry_night.jpg"))), new StyleTargetOptions { MaxSide = 256 });
        // Adam: L-BFGS's line of steps amplifies the last-bit differences of another summation order into ~1 % by iteration 20.
        var options = new StyleTransferOptions { MaxSide = 256, Iterations = 20, RelativeTolerance = 0, Seed = 5, Optimizer = Optimization.OptimizerKind.Adam };

        var whole = engine.Run(photo, targets, options);
        var tiled = engine.Run(photo, targets, options with { TileSize = 64 });

        output.WriteLine($"20 iterations: whole {whole.Final.TotalLoss:E6} in {whole.Elapsed.TotalSeconds:F2} s, tiled {tiled.Final.TotalLoss:E6} in {tiled.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(64, tiled.Record.TileSize);
        Assert.Equal(0, whole.Record.TileSize);
        Assert.Equal((whole.Image.Width, whole.Image.Height), (tiled.Image.Width, tiled.Image.Height));
        Assert.InRange(tiled.Final.TotalLoss / whole.Final.TotalLoss, 0.99, 1.01);
    }
}
