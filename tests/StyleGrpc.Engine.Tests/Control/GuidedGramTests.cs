using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Tests.Engine;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Control;

/// <summary>Guided Gram matrices: the all-ones channel is today's Gram; two halves with two styles each move toward their own.</summary>
[Collection(TorchCollection.Name)]
public sealed class GuidedGramTests(EngineFixture fixture, ITestOutputHelper output) : IClassFixture<EngineFixture>
{
    [Fact]
    public void Gram_AllOnesMask_EqualsThePlainGram()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var features = rand([1, 8, 6, 5], generator: generator);
        var guided = GuidedGram.Gram(features, ones(1, 1, 6, 5), 30);
        var plain = StyleLosses.Gram(features);
        var difference = (guided - plain).abs().max().item<float>();
        Assert.True(difference <= 1e-6f, $"max difference {difference}");
    }

    [Fact]
    public void Gram_HalfMask_IsTheGramOfThatHalfAlone()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var features = rand([1, 4, 6, 8], generator: generator);
        var mask = zeros(1, 1, 6, 8);
        mask[.., .., .., 4..8] = ones(1, 1, 6, 4);
        var guided = GuidedGram.Gram(features, mask.sqrt(), 24);
        var right = StyleLosses.Gram(features[.., .., .., 4..8].contiguous());
        Assert.True((guided - right).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void Guidance_OverlappingRegionsCoveringAll_NormaliseAndLeaveNoBackground()
    {
        using var scope = NewDisposeScope();
        // At 8×4: A covers the left 6 columns, B the right 6; they overlap in the middle 4, where each gets ½.
        float[] Columns(Func<int, bool> covered) => [.. Enumerable.Range(0, 32).Select(i => covered(i % 8) ? 1f : 0f)];
        var targets = new Dictionary<string, Tensor> { ["relu1_1"] = eye(2) };
        StyleTargets Dummy() => new("x", [new LayerStatistics("relu1_1", 2, [1, 0, 0, 1], [0, 0])], 8, 4);
        StyleRegion[] regions = [new(new RegionMask(8, 4, Columns(x => x < 6)), [Dummy()], 1), new(new RegionMask(8, 4, Columns(x => x >= 2)), [Dummy()], 3)];

        var guidance = RegionGuidance.Create(regions, 0, 8, 4, targets, _ => (4, 8), CPU)!;

        // The background covers nothing and is left out; each region's area is 2 full columns + 4 half ones = 16 of 32.
        Assert.Equal(2, guidance.Channels.Count);
        Assert.All(guidance.Channels, c => Assert.Equal(16.0, c.Areas["relu1_1"], 4));
        Assert.Equal([0.5, 1.5], guidance.Channels.Select(c => c.Weight));
        var squared = guidance.Channels[0].SqrtMasks["relu1_1"]!.square();
        float[] expected = [1, 1, 0.5f, 0.5f, 0.5f, 0.5f, 0, 0];
        Assert.All(expected.Zip(squared[0, 0, 0].data<float>().ToArray()), p => Assert.Equal(p.First, p.Second, 5));
    }

    [Fact]
    public void Objective_OneRegionCoveringAll_EqualsThePlainObjectiveWithTheRegionsStyle()
    {
        using var scope = NewDisposeScope();
        var (network, engine) = (fixture.Network, fixture.Engine);
        var other = OtherStyle();
        var plan = LayerPlan.Resolve(network, null, null, null);
        var content = ImageTensor.ToTensor(fixture.Content, network.Device);
        var options = new StyleTransferOptions { MaxSide = 64, StyleWeight = 1e5 };
        var region = new StyleRegion(RegionMask.Uniform(64, 64, 1), [other], 1.0);
        var guided = StyleObjective.Create(network, plan, content, fixture.Targets, options, ([region], 0));
        var plain = StyleObjective.Create(network, plan, content, other, options);
        var start = content.mul(0.5).add_(content.flip(3).mul_(0.5));

        var a = start.clone().requires_grad_(true);
        var b = start.clone().requires_grad_(true);
        var guidedLosses = guided.Evaluate(a, backward: true);
        var plainLosses = plain.Evaluate(b, backward: true);

        output.WriteLine($"style loss guided {guidedLosses.Style:E6}, plain {plainLosses.Style:E6}");
        Assert.True(Math.Abs(guidedLosses.Style - plainLosses.Style) <= 1e-5 * plainLosses.Style);
        var cosine = Cosine(a.grad!, b.grad!);
        Assert.True(cosine >= 0.99999, $"gradient cosine {cosine}");
    }

    [Fact]
    public void Run_HalfAndHalfWithTwoStyles_MovesEachHalfTowardItsOwnStyle()
    {
        var (network, engine) = (fixture.Network, fixture.Engine);
        var other = OtherStyle();
        // The right half is a region in the other style; the left half follows the request's own.
        var values = new float[64 * 64];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i % 64 >= 32 ? 1 : 0;
        }
        var options = new StyleTransferOptions
        {
            MaxSide = 64, Iterations = 40, RelativeTolerance = 0, StyleWeight = 1e5,
            Regions = [new RegionOptions(64, 64)],
        };
        var plan = engine.Plan(64, 64, options);
        var result = engine.Run(fixture.Content, [fixture.Targets], plan,
            new RunInputs { Regions = [new StyleRegion(new RegionMask(64, 64, values), [other])] });

        var layer = "relu2_1";
        var before = HalfDistances(fixture.Content, layer, other);
        var after = HalfDistances(result.Image, layer, other);
        output.WriteLine($"{layer} left half: to own {before.LeftOwn:E3} → {after.LeftOwn:E3}, to other {before.LeftOther:E3} → {after.LeftOther:E3}");
        output.WriteLine($"{layer} right half: to own {before.RightOwn:E3} → {after.RightOwn:E3}, to other {before.RightOther:E3} → {after.RightOther:E3}");
        // Each half ends nearer its own style's target than the other's, moved toward its own and away from the other's.
        Assert.True(after.LeftOwn < after.LeftOther, "left half is nearer the other style");
        Assert.True(after.RightOwn < after.RightOther, "right half is nearer the other style");
        Assert.True(after.LeftOwn / after.LeftOther < before.LeftOwn / before.LeftOther, "left half did not move toward its own style");
        Assert.True(after.RightOwn / after.RightOther < before.RightOwn / before.RightOther, "right half did not move toward its own style");
        Assert.True(after.LeftOwn < before.LeftOwn && after.RightOwn < before.RightOwn, "a half moved away from its own style");
        Assert.True(after.LeftOther > before.LeftOther && after.RightOther > before.RightOther, "a half moved toward the other style");
        Assert.Equal(0.5, result.Record.Regions.Single().Area, 3);
    }

    // Relative distances ‖G_half − T‖ / ‖T‖ of each half's Gram matrix at a layer to the own and the other style's target.
    private (double LeftOwn, double LeftOther, double RightOwn, double RightOther) HalfDistances(RgbImage image, string layer, StyleTargets other)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = fixture.Network.Extract(ImageTensor.ToTensor(image, fixture.Network.Device), [layer])[layer];
        var width = features.shape[3];
        var left = StyleLosses.Gram(features[.., .., .., 0..(int)(width / 2)].contiguous());
        var right = StyleLosses.Gram(features[.., .., .., (int)(width / 2)..(int)width].contiguous());
        Tensor Target(StyleTargets t)
        {
            var s = t.Find(layer)!;
            return tensor(s.Gram, [s.Channels, s.Channels]);
        }
        var (own, second) = (Target(fixture.Targets), Target(other));
        double Distance(Tensor g, Tensor t) => (g - t).norm().item<float>() / t.norm().item<float>();
        return (Distance(left, own), Distance(left, second), Distance(right, second), Distance(right, own));
    }

    private StyleTargets OtherStyle() =>
        fixture.Engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("the_scream.jpg")), long.MaxValue, 64),
            new StyleTargetOptions { MaxSide = 64 });

    private static double Cosine(Tensor a, Tensor b)
    {
        var (x, y) = (a.flatten(), b.flatten());
        return x.dot(y).item<float>() / (x.norm().item<float>() * y.norm().item<float>());
    }
}
