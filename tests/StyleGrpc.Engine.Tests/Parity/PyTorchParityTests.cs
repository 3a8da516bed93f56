using System.Text.Json;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.Parity;

/// <summary>
/// The engine against PyTorch's own run of the original write-up's algorithm
/// (<c>tests/data/reference/seed-algorithm-reference.json</c>): same weights, same 64×64 images.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PyTorchParityTests(ITestOutputHelper output) : IClassFixture<PyTorchParityTests.ReferenceFixture>
{
    [Theory]
    [InlineData("rmsprop", OptimizerKind.RmsProp, null, 1, 0.02)]
    [InlineData("adam", OptimizerKind.Adam, 0.02, 1, 0.02)]
    [InlineData("lbfgs", OptimizerKind.Lbfgs, 1.0, 20, 0.05)]
    public void SeedPreset_EachOptimiser_ReproducesPyTorchLosses(string run, OptimizerKind optimizer, double? learningRate,
        int iterationsPerRecord, double lastStepTolerance)
    {
        var fixture = new ReferenceFixture();
        var records = fixture.Reference.GetProperty("runs").GetProperty(run).GetProperty("steps").EnumerateArray().ToList();
        var progress = new List<StyleTransferProgress>();
        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, new StyleTransferOptions
        {
            MaxSide = 64,
            Preset = "seed",
            Optimizer = optimizer,
            LearningRate = learningRate,
            Iterations = records.Count * iterationsPerRecord,
            ContentWeight = fixture.Reference.GetProperty("content_weight").GetDouble(),
            StyleWeight = fixture.Reference.GetProperty("style_weight").GetDouble(),
            ClampPixels = false,
            RelativeTolerance = 0,
        }, progress.Add);

        output.WriteLine($"{run}: {progress.Count} iterations; last total {progress[^1].TotalLoss:E6}");
        Assert.Equal(records.Count * iterationsPerRecord, progress.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var expected = records[i];
            var actual = progress[i * iterationsPerRecord];
            var tolerance = i == 0 ? 1e-4 : i == records.Count - 1 ? lastStepTolerance : double.PositiveInfinity;
            output.WriteLine($"{run} step {i + 1}: total {actual.TotalLoss:E6} vs {expected.GetProperty("total").GetDouble():E6}, " +
                $"style {actual.StyleLoss:E6} vs {expected.GetProperty("style").GetDouble():E6}, content {actual.ContentLoss:E6} vs {expected.GetProperty("content").GetDouble():E6}");
            AssertClose(expected.GetProperty("total").GetDouble(), actual.TotalLoss, tolerance, $"{run} step {i + 1} total");
            AssertClose(expected.GetProperty("style").GetDouble(), actual.StyleLoss, tolerance, $"{run} step {i + 1} style");
            AssertClose(expected.GetProperty("content").GetDouble(), actual.ContentLoss, tolerance, $"{run} step {i + 1} content", absoluteFloor: 1e-9);
        }
        var final = fixture.Reference.GetProperty("runs").GetProperty(run).GetProperty("after_final_clamp");
        output.WriteLine($"{run} final: total {result.Final.TotalLoss:E6} vs {final.GetProperty("total").GetDouble():E6}");
        AssertClose(final.GetProperty("total").GetDouble(), result.Final.TotalLoss, lastStepTolerance, $"{run} after final clamp");
    }

    private static void AssertClose(double expected, double actual, double relative, string what, double absoluteFloor = 0)
    {
        if (double.IsPositiveInfinity(relative))
        {
            return;
        }
        var error = Math.Abs(actual - expected);
        Assert.True(error <= relative * Math.Abs(expected) + absoluteFloor,
            $"{what}: expected {expected:E6}, got {actual:E6} (relative error {error / Math.Max(Math.Abs(expected), 1e-30):E2} > {relative:E0})");
    }

    public sealed class ReferenceFixture
    {
        public ReferenceFixture()
        {
            Network = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
            Engine = new StyleTransferEngine(Network);
            Content = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("content_64.png")));
            var style = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("style_64.png")));
            Targets = Engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = 64, Preset = "seed" });
            Reference = JsonDocument.Parse(File.ReadAllText(TestData.Reference("seed-algorithm-reference.json"))).RootElement;
        }

        public Vgg19Network Network { get; }

        public StyleTransferEngine Engine { get; }

        public RgbImage Content { get; }

        public StyleTargets Targets { get; }

        public JsonElement Reference { get; }
    }
}
