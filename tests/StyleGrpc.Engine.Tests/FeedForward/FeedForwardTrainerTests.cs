using StyleGrpc.Engine.FeedForward;
using TorchSharp;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.FeedForward;

[Collection(TorchCollection.Name)]
public sealed class FeedForwardTrainerTests(FeedForwardFixture fixture, ITestOutputHelper output) : IClassFixture<FeedForwardFixture>
{
    private FeedForwardTrainer Trainer => new(fixture.Engine.Engine);

    private StyleTargets Style => fixture.Engine.Targets;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Train_ThirtyIterations_LowersTheTrainingLossAndReportsEachIteration()
    {
        var seen = new List<FeedForwardTrainingProgress>();
        var result = Trainer.Train(fixture.Photos, Style, FeedForwardFixture.Small with { Iterations = 30 }, seen.Add, null, CancellationToken.None);

        output.WriteLine(string.Join(", ", seen.Select(p => p.TotalLoss.ToString("E3"))));
        Assert.Equal(Enumerable.Range(1, 30), seen.Select(p => p.Iteration));
        Assert.All(seen, p => Assert.Equal(30, p.TotalIterations));
        Assert.Equal(TimeSpan.Zero, seen[^1].EstimatedRemaining);
        Assert.True(seen[0].EstimatedRemaining > TimeSpan.Zero);
        var first = seen.Take(5).Average(p => p.TotalLoss);
        var last = seen.TakeLast(5).Average(p => p.TotalLoss);
        Assert.True(last < 0.7 * first, $"loss went from {first:E3} to {last:E3}");
        Assert.Equal(seen.TakeLast(10).Average(p => p.TotalLoss), result.FinalLoss, 6);
        Assert.Equal((30, 0), (result.Iterations, result.ResumedFromIteration));
        // The seed preset's fixed style weight is the one used.
        Assert.Equal(1e6, result.StyleWeight);
        // Unweighted terms add up to the weighted total with the weights used.
        Assert.All(seen, p => Assert.Equal(p.TotalLoss, p.ContentLoss + 1e6 * p.StyleLoss + 0 * p.TotalVariationLoss, p.TotalLoss * 1e-5));
    }

    [Fact]
    public void Train_SameSeedTwice_GivesTheSameWeights()
    {
        var options = FeedForwardFixture.Small with { Iterations = 3 };
        var a = Trainer.Train(fixture.Photos, Style, options, null, null, CancellationToken.None);
        var b = Trainer.Train(fixture.Photos, Style, options, null, null, CancellationToken.None);
        var c = Trainer.Train(fixture.Photos, Style, options with { Seed = 4 }, null, null, CancellationToken.None);
        Assert.Equal(a.Weights, b.Weights);
        Assert.NotEqual(a.Weights, c.Weights);
    }

    [Fact]
    public void Train_ResumedFromACheckpoint_EndsWithTheUninterruptedWeights()
    {
        var options = FeedForwardFixture.Small with { Iterations = 8 };
        var whole = Trainer.Train(fixture.Photos, Style, options, null, null, CancellationToken.None);

        using var cts = new CancellationTokenSource();
        FeedForwardCheckpoint? saved = null;
        var checkpointing = new FeedForwardCheckpointing
        {
            IsDue = p => p.Iteration == 4,
            OnCheckpoint = c =>
            {
                using var stream = new MemoryStream();
                c.WriteTo(stream);
                stream.Position = 0;
                saved = FeedForwardCheckpoint.ReadFrom(stream);
                cts.Cancel();
            },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(fixture.Photos, Style, options, null, checkpointing, cts.Token));
        Assert.NotNull(saved);
        Assert.Equal(4, saved.Iteration);

        var seen = new List<int>();
        var resumed = Trainer.Train(fixture.Photos, Style, options, p => seen.Add(p.Iteration), new FeedForwardCheckpointing { ResumeFrom = saved },
            CancellationToken.None);

        Assert.Equal([5, 6, 7, 8], seen);
        Assert.Equal((8, 4), (resumed.Iterations, resumed.ResumedFromIteration));
        Assert.True(resumed.Elapsed >= saved.Elapsed);
        Assert.Equal(whole.Weights, resumed.Weights);
        Assert.Equal(whole.FinalLoss, resumed.FinalLoss);
    }

    [Fact]
    public void Train_CheckpointOfOtherOptions_IsRefusedNamingCheckpoint()
    {
        var options = FeedForwardFixture.Small with { Iterations = 3 };
        FeedForwardCheckpoint? saved = null;
        Trainer.Train(fixture.Photos, Style, options, null, new FeedForwardCheckpointing { IsDue = p => p.Iteration == 1, OnCheckpoint = c => saved = c },
            CancellationToken.None);
        var e = Assert.Throws<InvalidStyleOptionException>(() => Trainer.Train(fixture.Photos, Style, options with { BatchSize = 3 }, null,
            new FeedForwardCheckpointing { ResumeFrom = saved }, CancellationToken.None));
        Assert.Equal("Checkpoint", e.Field);
    }

    [Fact]
    public void CheckpointReadFrom_DamagedOrForeignBytes_ThrowsInvalidData()
    {
        FeedForwardCheckpoint? saved = null;
        Trainer.Train(fixture.Photos, Style, FeedForwardFixture.Small with { Iterations = 2 }, null,
            new FeedForwardCheckpointing { IsDue = _ => true, OnCheckpoint = c => saved = c }, CancellationToken.None);
        using var stream = new MemoryStream();
        saved!.WriteTo(stream);
        var bytes = stream.ToArray();
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;

        Assert.Throws<InvalidDataException>(() => FeedForwardCheckpoint.ReadFrom(new MemoryStream(flipped)));
        Assert.Throws<InvalidDataException>(() => FeedForwardCheckpoint.ReadFrom(new MemoryStream(bytes[..(bytes.Length - 10)])));
        Assert.Throws<InvalidDataException>(() => FeedForwardCheckpoint.ReadFrom(new MemoryStream("SGCK-not-this"u8.ToArray())));
        Assert.Equal(1, FeedForwardCheckpoint.ReadFrom(new MemoryStream(bytes)).Iteration);
    }

    [Fact]
    public void Train_Cancelled_StopsWithinOneIteration()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(fixture.Photos, Style, FeedForwardFixture.Small with { Iterations = 1000 },
            p =>
            {
                seen.Add(p.Iteration);
                if (p.Iteration == 2)
                {
                    cts.Cancel();
                }
            }, null, cts.Token));
        Assert.Equal([1, 2], seen);
    }

    [Theory]
    [InlineData("Iterations")]
    [InlineData("ImageSize")]
    [InlineData("BatchSize")]
    [InlineData("ContentWeight")]
    [InlineData("StyleWeight")]
    [InlineData("LearningRate")]
    [InlineData("TotalVariationWeight")]
    [InlineData("Preset")]
    public void Validate_OutOfRange_NamesTheField(string field)
    {
        var valid = new FeedForwardTrainingOptions();
        Trainer.Validate(valid);
        var bad = field switch
        {
            "Iterations" => valid with { Iterations = 100_001 },
            "ImageSize" => valid with { ImageSize = 63 },
            "BatchSize" => valid with { BatchSize = 17 },
            "ContentWeight" => valid with { ContentWeight = double.NaN },
            "StyleWeight" => valid with { StyleWeight = -1 },
            "LearningRate" => valid with { LearningRate = 0 },
            "TotalVariationWeight" => valid with { TotalVariationWeight = double.PositiveInfinity },
            _ => valid with { Preset = "no-such-preset" },
        };
        Assert.Equal(field, Assert.Throws<InvalidStyleOptionException>(() => Trainer.Validate(bad)).Field);
    }

    [Fact]
    public void Train_NoPhotos_NamesPhotos()
    {
        var empty = TrainingPhotos.FromFiles([], 1000);
        Assert.Equal("Photos", Assert.Throws<InvalidStyleOptionException>(() =>
            Trainer.Train(empty, Style, FeedForwardFixture.Small, null, null, CancellationToken.None)).Field);
        Assert.Equal(4, fixture.Photos.Count);
    }

    [Fact]
    public void StyleLayersAndEstimatedBytes_FollowThePresetAndTheBatch()
    {
        Assert.Equal(fixture.Engine.Engine.Preset(null).StyleLayers.Select(l => l.Layer), Trainer.StyleLayers(new FeedForwardTrainingOptions()));
        var small = Trainer.EstimatedBytes(new FeedForwardTrainingOptions { BatchSize = 1, ImageSize = 128 });
        var large = Trainer.EstimatedBytes(new FeedForwardTrainingOptions { BatchSize = 4, ImageSize = 256 });
        Assert.True(large > 10 * (small - (128L << 20)), $"{small} vs {large}");
    }

    [Fact]
    public async Task TrainOnWorker_LeavesNoTensorsBehind()
    {
        var before = await StyleTransferEngine.LiveTensorsOnWorkersAsync().WaitAsync(Timeout);
        var result = await Trainer.TrainOnWorkerAsync(fixture.Photos, Style, FeedForwardFixture.Small with { Iterations = 3 }, null,
            new FeedForwardCheckpointing { IsDue = _ => true, OnCheckpoint = _ => { } }, CancellationToken.None).WaitAsync(Timeout);
        var after = await StyleTransferEngine.LiveTensorsOnWorkersAsync().WaitAsync(Timeout);
        Assert.NotEmpty(result.Weights);
        Assert.Equal(before, after);

        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Trainer.Train(fixture.Photos, Style, FeedForwardFixture.Small with { Iterations = 2 }, null, null, CancellationToken.None);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
