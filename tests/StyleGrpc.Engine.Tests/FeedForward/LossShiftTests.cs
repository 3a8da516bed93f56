using StyleGrpc.Engine.FeedForward;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.FeedForward;

/// <summary>The loss network's view moved by a sub-pixel offset (<see cref="LossShift"/>), and the trainer's use of it.</summary>
[Collection(TorchCollection.Name)]
public sealed class LossShiftTests(FeedForwardFixture fixture) : IClassFixture<FeedForwardFixture>
{
    private FeedForwardTrainer Trainer => new(fixture.Engine.Engine);

    private static Tensor Batch()
    {
        using var generator = new Generator(11, CPU);
        return rand([2, 3, 16, 20], generator: generator);
    }

    [Fact]
    public void Apply_WholePixels_IsTheCropThere_EachSideShorterByFive()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();

        var moved = LossShift.Apply(batch, 3, 1);

        Assert.Equal([2, 3, 11, 15], moved.shape);
        Assert.Equal(0, (moved - batch[.., .., 1..12, 3..18]).abs().max().item<float>(), 6);
    }

    [Fact]
    public void Apply_HalfPixels_IsTheMeanOfTheFourNeighbours()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();

        var moved = LossShift.Apply(batch, 2.5, 0.5);

        var expected = (batch[.., .., 0..11, 2..17] + batch[.., .., 0..11, 3..18] + batch[.., .., 1..12, 2..17] + batch[.., .., 1..12, 3..18]) / 4;
        Assert.Equal(0, (moved - expected).abs().max().item<float>(), 5);
    }

    [Theory]
    [InlineData(-0.1, 0)]
    [InlineData(4, 0)]
    [InlineData(0, 4.5)]
    public void Apply_AnOffsetOutsideTheStride_IsRefused(double dx, double dy)
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentOutOfRangeException>(() => LossShift.Apply(Batch(), dx, dy));
    }

    [Fact]
    public void Train_ShiftedLoss_TrainsOtherWeights_TheSameForTheSameSeed()
    {
        var options = FeedForwardFixture.Small with { Iterations = 3 };

        var plain = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options, null, null, CancellationToken.None);
        var shifted = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options with { ShiftedLoss = true }, null, null, CancellationToken.None);
        var again = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options with { ShiftedLoss = true }, null, null, CancellationToken.None);

        Assert.NotEqual(plain.Weights, shifted.Weights);
        Assert.Equal(shifted.Weights, again.Weights);
        Assert.True(double.IsFinite(shifted.FinalLoss));
    }
}
