using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Tests.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Video;

/// <summary>The short-term temporal term of video frames (Ruder et al. 2016) on the small reference VGG19 at 64 px.</summary>
[Collection(TorchCollection.Name)]
public sealed class TemporalTermTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly StyleTransferOptions Small = new() { MaxSide = 64, Iterations = 8, RelativeTolerance = 0 };

    private static float[] Mask(int width, int height, Func<int, int, float> value)
    {
        var mask = new float[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                mask[y * width + x] = value(x, y);
            }
        }
        return mask;
    }

    private static double MeanAbsoluteDifference(RgbImage a, RgbImage b) =>
        a.Pixels.Zip(b.Pixels, (p, q) => (double)Math.Abs(p - q)).Average();

    private TemporalGuide Guide(float reliability, double weight) => new()
    {
        Warped = fixture.Style,
        Weights = Mask(fixture.Content.Width, fixture.Content.Height, (_, _) => reliability),
        Weight = weight,
    };

    private StyleTransferResult Run(StyleTransferOptions options, TemporalGuide? guide, Action<StyleTransferProgress>? onProgress = null)
    {
        var plan = fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, options);
        return fixture.Engine.Run(fixture.Content, [.. plan.Levels.Select(_ => fixture.Targets)], plan,
            new RunInputs { Temporal = guide, OnProgress = onProgress });
    }

    [Fact]
    public void Temporal_TinyCase_MatchesHandComputation()
    {
        using var scope = NewDisposeScope();
        // 1×3×1×2: pixel 0 differs by (0.5, 0, −0.25) with weight 1, pixel 1 by (1, 1, 1) with weight 0.
        var image = tensor(new float[] { 0.5f, 1f, 0f, 1f, 0.25f, 1f }, [1, 3, 1, 2]);
        var warped = tensor(new float[] { 0f, 0f, 0f, 0f, 0.5f, 0f }, [1, 3, 1, 2]);
        var weights = tensor(new float[] { 1f, 0f }, [1, 1, 1, 2]);

        var loss = StyleLosses.Temporal(image, warped, weights).item<float>();

        // (0.25 + 0 + 0.0625) / D, D = 2 pixels × 3 channels.
        Assert.Equal(0.3125 / 6, loss, 1e-7);
    }

    [Fact]
    public void Run_TemporalLossReported_MatchesHandComputationAndWeighsIntoTheTotal()
    {
        var options = Small with { Iterations = 1, Init = InitKind.Content };
        var (width, height) = (fixture.Content.Width, fixture.Content.Height);
        var guide = Guide(0, 3) with { Weights = Mask(width, height, (x, y) => (x + 2 * y) % 5 / 4f) };
        var with = new List<StyleTransferProgress>();
        var without = new List<StyleTransferProgress>();

        var result = Run(options, guide, with.Add);
        Run(options, null, without.Add);

        // By hand, in doubles: the first evaluation is at the content image itself.
        var sum = 0.0;
        for (var i = 0; i < width * height; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var d = fixture.Content.Pixels[3 * i + c] / 255.0 - fixture.Style.Pixels[3 * i + c] / 255.0;
                sum += guide.Weights[i] * d * d;
            }
        }
        var expected = sum / (3.0 * width * height);
        Assert.Equal(expected, with[0].TemporalLoss, expected * 1e-4);
        Assert.Equal(0, without[0].TemporalLoss);
        // The guide's weight × the preset's γ (VGG19: 200 × mean(1/σ²) ≈ 3.9·10³) × the content weight (1).
        var gamma = fixture.Engine.Preset(null).TemporalWeight;
        Assert.InRange(gamma, 3.9e3, 3.95e3);
        var coefficient = 3 * gamma * 1;
        Assert.Equal(coefficient, result.Record.TemporalWeight);
        Assert.Equal(without[0].TotalLoss + coefficient * with[0].TemporalLoss, with[0].TotalLoss, with[0].TotalLoss * 1e-5);
    }

    [Fact]
    public void Run_ReliableGuideWithLargeWeight_EndsMuchCloserToTheGuide()
    {
        var options = Small with { Init = InitKind.Content };

        var plain = Run(options, null);
        var guided = Run(options, Guide(1, 100));

        var plainDistance = MeanAbsoluteDifference(plain.Image, fixture.Style);
        var guidedDistance = MeanAbsoluteDifference(guided.Image, fixture.Style);
        Assert.True(guidedDistance < 0.25 * plainDistance, $"guided {guidedDistance:F2} vs plain {plainDistance:F2} grey levels from the guide");
        Assert.True(guidedDistance < 8, $"guided result is {guidedDistance:F2} grey levels from the guide");
    }

    [Fact]
    public void Run_GuideEverywhereUnreliable_GivesTheBytesOfARunWithoutGuide()
    {
        var options = Small with { Init = InitKind.Noise, Seed = 7 };
        var progress = new List<StyleTransferProgress>();

        var plain = Run(options, null);
        var masked = Run(options, Guide(0, 100), progress.Add);

        Assert.Equal(plain.Image.Pixels, masked.Image.Pixels);
        Assert.All(progress, p => Assert.Equal(0, p.TemporalLoss));
        Assert.Equal(plain.Final.TotalLoss, masked.Final.TotalLoss);
    }

    [Fact]
    public void Run_FeedForwardInitWithoutStart_StartsFromTheWarpedOutput()
    {
        var progress = new List<StyleTransferProgress>();

        Run(Small with { Iterations = 1, Init = InitKind.FeedForward }, Guide(1, 1), progress.Add);

        // The first evaluation is at the start image: the warped output itself, so the temporal loss is 0.
        Assert.Equal(0, progress[0].TemporalLoss, 1e-9);
    }

    [Fact]
    public void Run_CoarseToFineWithGuide_LeavesNoLiveTensors()
    {
        var options = Small with { Iterations = 6, ScaleLevels = 2, CoarseIterations = 3, Init = InitKind.FeedForward, PreviewEvery = 3 };
        var guide = Guide(0, 1) with { Weights = Mask(fixture.Content.Width, fixture.Content.Height, (x, _) => x < 32 ? 1f : 0f) };
        Run(options with { Iterations = 2, CoarseIterations = 1 }, guide);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var progress = new List<StyleTransferProgress>();
        var result = Run(options, guide, progress.Add);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(2, progress[^1].Scales);
        Assert.Contains(progress, p => p.Scale == 1 && p.TemporalLoss > 0);
        Assert.True(result.Final.TemporalLoss > 0);
    }

    [Fact]
    public void Run_GuideOfAnotherSize_IsRejectedNamingTemporal()
    {
        var small = ImageCodec.Resize(fixture.Style, 32, 32);
        var guide = new TemporalGuide { Warped = small, Weights = new float[32 * 32] };

        var error = Assert.Throws<InvalidStyleOptionException>(() => Run(Small, guide));

        Assert.Equal("Temporal", error.Field);
    }

    [Fact]
    public void Run_NegativeTemporalWeight_IsRejectedNamingTemporalWeight()
    {
        var error = Assert.Throws<InvalidStyleOptionException>(() => Run(Small, Guide(1, -1)));

        Assert.Equal("TemporalWeight", error.Field);
    }

    [Fact]
    public void TiledObjective_WithGuide_MatchesTheWholeImage()
    {
        using var scope = NewDisposeScope();
        var network = fixture.Network;
        var plan = LayerPlan.Resolve(network, null, null, null);
        var photo = ImageCodec.Resize(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg"))), 64, 64);
        var content = ImageTensor.ToTensor(photo, network.Device);
        var options = new StyleTransferOptions { MaxSide = 64 };
        var guide = new TemporalGuide
        {
            Warped = ImageCodec.Resize(fixture.Style, 64, 64),
            Weights = Mask(64, 64, (x, y) => (x * y) % 7 / 6f),
            Weight = 2,
        };
        var whole = TemporalObjective.Create(StyleObjective.Create(network, plan, content, fixture.Targets, options), network, guide, plan.Preset.TemporalWeight, 64, 64);
        var tiledInner = TiledStyleObjective.Create(network, plan, content, fixture.Targets, options, 32);
        Assert.True(tiledInner.TileCount >= 4, $"only {tiledInner.TileCount} tiles");
        var tiled = TemporalObjective.Create(tiledInner, network, guide, plan.Preset.TemporalWeight, 64, 64);
        using var generator = new Generator(3, network.Device);
        var start = content.mul(0.6).add_(rand(content.shape, generator: generator, device: network.Device).mul_(0.4));

        var a = start.clone().requires_grad_(true);
        var wholeLosses = whole.Evaluate(a, backward: true);
        var b = start.clone().requires_grad_(true);
        var tiledLosses = tiled.Evaluate(b, backward: true);

        Assert.True(wholeLosses.Temporal > 0);
        Assert.Equal(wholeLosses.Temporal, tiledLosses.Temporal, wholeLosses.Temporal * 1e-6);
        Assert.Equal(wholeLosses.Total, tiledLosses.Total, Math.Abs(wholeLosses.Total) * 1e-4);
        var (ga, gb) = (a.grad!.flatten(), b.grad!.flatten());
        var cosine = ga.dot(gb).item<float>() / (ga.norm().item<float>() * gb.norm().item<float>());
        Assert.True(cosine >= 0.9999, $"gradient cosine {cosine}");
    }
}
