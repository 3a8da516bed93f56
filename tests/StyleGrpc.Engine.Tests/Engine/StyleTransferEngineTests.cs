using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using TorchSharp;

namespace StyleGrpc.Engine.Tests.Engine;

[Collection(TorchCollection.Name)]
public sealed class StyleTransferEngineTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly StyleTransferOptions Small = new() { MaxSide = 64, Iterations = 10, RelativeTolerance = 0 };

    [Theory]
    [InlineData(OptimizerKind.Lbfgs, InitKind.Noise)]
    [InlineData(OptimizerKind.Adam, InitKind.Blend)]
    [InlineData(OptimizerKind.RmsProp, InitKind.Content)]
    public void Run_SameInputsAndSeed_GivesIdenticalBytes(OptimizerKind optimizer, InitKind init)
    {
        var options = Small with { Optimizer = optimizer, Init = init, Seed = 42 };
        var a = fixture.Engine.Run(fixture.Content, fixture.Targets, options);
        var b = fixture.Engine.Run(fixture.Content, fixture.Targets, options);
        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
        Assert.NotEqual(fixture.Content.Pixels, a.Image.Pixels);
    }

    [Fact]
    public void Run_DifferentSeeds_GiveDifferentNoiseStarts()
    {
        var a = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Init = InitKind.Noise, Seed = 1, Iterations = 1 });
        var b = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Init = InitKind.Noise, Seed = 2, Iterations = 1 });
        Assert.NotEqual(a.Image.Pixels, b.Image.Pixels);
    }

    [Theory]
    [InlineData(OptimizerKind.Lbfgs)]
    [InlineData(OptimizerKind.Adam)]
    public void Run_ThirtySteps_LeavesNoLiveTensors(OptimizerKind optimizer)
    {
        var options = Small with { Optimizer = optimizer, Iterations = 30, PreviewEvery = 10, KeepOriginalColours = true, TotalVariationWeight = 1 };
        fixture.Engine.Run(fixture.Content, fixture.Targets, options with { Iterations = 2 });
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, options);
        fixture.Engine.ComputeStyleTargets(fixture.Style, new StyleTargetOptions { MaxSide = 64 });

        Assert.Equal(30, result.IterationsRun);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Run_CancelledDuringStepFive_StopsBeforeStepSix()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 100 }, p =>
        {
            seen.Add(p.Iteration);
            if (p.Iteration == 5)
            {
                cts.Cancel();
            }
        }, cts.Token));
        Assert.Equal([1, 2, 3, 4, 5], seen);
    }

    [Fact]
    public void Run_Progress_ReportsEveryIterationWithPreviewsAndEta()
    {
        var progress = new List<StyleTransferProgress>();
        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 9, PreviewEvery = 3 }, progress.Add);
        Assert.Equal(Enumerable.Range(1, 9), progress.Select(p => p.Iteration));
        Assert.Equal([3, 6, 9], progress.Where(p => p.Preview is not null).Select(p => p.Iteration));
        Assert.All(progress, p => Assert.Equal(9, p.TotalIterations));
        Assert.Equal(TimeSpan.Zero, progress[^1].EstimatedRemaining);
        Assert.True(progress[^1].Elapsed >= progress[0].Elapsed);
        Assert.True(result.Final.TotalLoss < progress[0].TotalLoss);
        Assert.Equal((64, 64), (result.Image.Width, result.Image.Height));
    }

    [Fact]
    public async Task RunAsync_StreamsStepsThenCompletion()
    {
        var updates = new List<StyleTransferUpdate>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var update in fixture.Engine.RunAsync(fixture.Content, fixture.Targets, Small with { Iterations = 6 }, timeout.Token))
        {
            updates.Add(update);
        }
        Assert.Equal(Enumerable.Range(1, 6), updates.OfType<StyleTransferStep>().Select(s => s.Progress.Iteration));
        var completed = Assert.IsType<StyleTransferCompleted>(updates[^1]);
        Assert.Equal(6, completed.Result.IterationsRun);
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsAndStops()
    {
        using var cts = new CancellationTokenSource();
        var steps = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in fixture.Engine.RunAsync(fixture.Content, fixture.Targets, Small with { Iterations = 10_000 }, cts.Token))
            {
                if (update is StyleTransferStep && ++steps == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });
        // The run stopped (the token is checked before every iteration) far short of its 10,000 iterations; what the engine made
        // before the cancel reached this reader (RunAsync drops nothing), however far ahead of it the engine ran.
        Assert.InRange(steps, 3, 9_999);
    }

    [Fact]
    public void Run_Record_CarriesEveryParameter()
    {
        var options = Small with { Optimizer = OptimizerKind.Adam, LearningRate = 0.05, Seed = 9, StyleWeight = 1e5, Preset = "seed" };
        var record = fixture.Engine.Run(fixture.Content, fixture.Targets, options).Record;
        Assert.Equal("vgg19", record.Network.Name);
        Assert.Equal(fixture.Network.Info.WeightsSha256, record.Network.WeightsSha256);
        Assert.Equal("seed", record.Preset);
        Assert.Equal(OptimizerKind.Adam, record.Optimizer);
        Assert.Equal(0.05, record.LearningRate);
        Assert.Equal(9, record.Seed);
        Assert.Equal(1e5, record.StyleWeight);
        Assert.False(record.StyleWeightAutomatic);
        Assert.Equal(1.0, record.ContentWeight);
        Assert.Equal((64, 64), (record.Width, record.Height));
        Assert.Equal(["relu1_1", "relu1_2", "relu2_1", "relu2_2", "conv3_1"], record.StyleLayers.Select(l => l.Layer));
    }

    [Fact]
    public void Run_ThreadsOption_AppliesDuringRunAndIsRestored()
    {
        var before = TorchSharp.torch.get_num_threads();
        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 2, Threads = 1 });
        Assert.Equal(1, result.Record.Threads);
        Assert.Equal(before, TorchSharp.torch.get_num_threads());
    }

    [Fact]
    public void Run_RelativeTolerance_StopsLbfgsEarly()
    {
        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 2000, RelativeTolerance = 0.01, StopWindow = 10 });
        Assert.InRange(result.IterationsRun, 11, 1999);
    }

    [Fact]
    public void Run_LbfgsWithClamping_EvaluatesOnlyValidImagesAndImproves()
    {
        var progress = new List<StyleTransferProgress>();
        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 40, PreviewEvery = 1 }, progress.Add);
        Assert.True(progress[^1].TotalLoss < progress[0].TotalLoss / 5, $"{progress[0].TotalLoss:E3} -> {progress[^1].TotalLoss:E3}");
        // Every evaluated image was already in [0, 1], so clamping the final one changes its loss by no more than the last step did.
        Assert.True(result.Final.TotalLoss <= progress.Min(p => p.TotalLoss) * 1.5);
    }

    [Fact]
    public void Run_KeepOriginalColours_KeepsContentChroma()
    {
        var plain = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 20, Optimizer = OptimizerKind.Adam, LearningRate = 0.05 });
        var kept = fixture.Engine.Run(fixture.Content, fixture.Targets, Small with { Iterations = 20, Optimizer = OptimizerKind.Adam, LearningRate = 0.05, KeepOriginalColours = true });
        Assert.True(ChromaDistance(kept.Image, fixture.Content) < ChromaDistance(plain.Image, fixture.Content));
    }

    [Theory]
    [InlineData("Iterations")]
    [InlineData("MaxSide")]
    [InlineData("LearningRate")]
    [InlineData("StyleWeight")]
    [InlineData("InitNoiseRatio")]
    [InlineData("Preset")]
    [InlineData("StyleLayers[0].Layer")]
    public void Run_InvalidOption_NamesTheField(string field)
    {
        var options = field switch
        {
            "Iterations" => Small with { Iterations = 0 },
            "MaxSide" => Small with { MaxSide = 100_000 },
            "LearningRate" => Small with { LearningRate = double.NaN },
            "StyleWeight" => Small with { StyleWeight = -1 },
            "InitNoiseRatio" => Small with { InitNoiseRatio = 2 },
            "Preset" => Small with { Preset = "nope" },
            _ => Small with { StyleLayers = [new LayerWeight("conv9_9")] },
        };
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Run(fixture.Content, fixture.Targets, options));
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Run_TargetsFromAnotherNetwork_AreRefused()
    {
        var foreign = new StyleTargets("resnet18-onnx:0000", fixture.Targets.Layers, 64, 64);
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Run(fixture.Content, foreign, Small));
        Assert.Equal("Style", ex.Field);
    }

    [Fact]
    public void StyleTargets_RoundTripThroughStream_AreIdentical()
    {
        using var stream = new MemoryStream();
        fixture.Targets.WriteTo(stream);
        stream.Position = 0;
        var read = StyleTargets.ReadFrom(stream);
        Assert.Equal(fixture.Targets.NetworkFingerprint, read.NetworkFingerprint);
        Assert.Equal(fixture.Targets.Layers.Select(l => l.Layer), read.Layers.Select(l => l.Layer));
        Assert.Equal(fixture.Targets.Layers[2].Gram, read.Layers[2].Gram);
        Assert.Equal(fixture.Targets.SizeInBytes, read.SizeInBytes);
        var a = fixture.Engine.Run(fixture.Content, fixture.Targets, Small);
        var b = fixture.Engine.Run(fixture.Content, read, Small);
        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
    }

    [Fact]
    public void StyleTargets_TruncatedData_ThrowInvalidData()
    {
        using var stream = new MemoryStream();
        fixture.Targets.WriteTo(stream);
        var bytes = stream.ToArray();
        Assert.Throws<InvalidDataException>(() => StyleTargets.ReadFrom(new MemoryStream(bytes[..(bytes.Length / 2)])));
        Assert.Throws<InvalidDataException>(() => StyleTargets.ReadFrom(new MemoryStream("garbage-garbage"u8.ToArray())));
    }

    [Fact]
    public void StyleTargets_Blend_IsWeightedMeanOfGrams()
    {
        var other = fixture.Engine.ComputeStyleTargets(fixture.Content, new StyleTargetOptions { MaxSide = 64 });
        var blend = StyleTargets.Blend([(fixture.Targets, 3), (other, 1)]);
        var layer = blend.Layers[0];
        var expected = 0.75f * fixture.Targets.Layers[0].Gram[5] + 0.25f * other.Layers[0].Gram[5];
        Assert.Equal(expected, layer.Gram[5], 1e-6f);
        Assert.Throws<InvalidStyleOptionException>(() => StyleTargets.Blend([(fixture.Targets, 0)]));
    }

    private static double ChromaDistance(RgbImage a, RgbImage b)
    {
        double total = 0;
        for (var i = 0; i < a.Pixels.Length; i += 3)
        {
            double Chroma(RgbImage img, int j) => (img.Pixels[j] - img.Pixels[j + 1]) + (img.Pixels[j + 2] - img.Pixels[j + 1]);
            total += Math.Abs(Chroma(a, i) - Chroma(b, i));
        }
        return total / (a.Pixels.Length / 3);
    }
}
