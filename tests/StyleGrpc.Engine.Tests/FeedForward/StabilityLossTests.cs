using StyleGrpc.Engine.FeedForward;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.FeedForward;

/// <summary>The stability loss of feed-forward training (Gupta et al. 2017): the terms themselves, and the trainer's use of them.</summary>
[Collection(TorchCollection.Name)]
public sealed class StabilityLossTests(FeedForwardFixture fixture) : IClassFixture<FeedForwardFixture>
{
    private FeedForwardTrainer Trainer => new(fixture.Engine.Engine);

    private static Tensor Batch()
    {
        using var generator = new Generator(5, CPU);
        return rand([2, 3, 16, 16], generator: generator);
    }

    [Fact]
    public void Evaluate_PixelwiseNetwork_HasNoShiftTermAndTheNoiseTermOfItsGain()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();
        Tensor Double(Tensor x) => x * 2;

        var shiftOnly = StabilityLoss.Evaluate(Double, batch, Double(batch), shift: 3, noise: 0, generator: null).item<float>();
        using var generator = new Generator(9, CPU);
        var noiseOnly = StabilityLoss.Evaluate(Double, batch, Double(batch), shift: 0, noise: 0.1, generator).item<float>();

        // A pixelwise map commutes with any crop; doubling noise of σ = 0.1 gives a mean square of about 4σ² = 0.04.
        Assert.Equal(0, shiftOnly);
        Assert.InRange(noiseOnly, 0.035, 0.045);
    }

    [Fact]
    public void Evaluate_PositionDependentNetwork_HasAShiftTermOfTheHandComputedSize()
    {
        using var scope = NewDisposeScope();
        var batch = Batch();
        // Adds its own column index / 16: cropped s columns in, every pixel gets s/16 less than the same pixel of the whole.
        Tensor Ramp(Tensor x) => x + arange(x.shape[3], dtype: ScalarType.Float32).div(16);

        var loss = StabilityLoss.Evaluate(Ramp, batch, Ramp(batch), shift: 4, noise: 0, generator: null).item<float>();

        Assert.Equal(0.25 * 0.25, loss, 1e-6);
    }

    [Fact]
    public void Train_StabilityWeightZero_GivesTheWeightsOfATrainingWithoutIt()
    {
        var options = FeedForwardFixture.Small with { Iterations = 3 };
        var seen = new List<FeedForwardTrainingProgress>();

        var plain = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options, null, null, CancellationToken.None);
        var off = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options with { StabilityWeight = 0, StabilityShift = 3, StabilityNoise = 0.1 },
            seen.Add, null, CancellationToken.None);

        Assert.Equal(plain.Weights, off.Weights);
        Assert.All(seen, p => Assert.Equal(0, p.StabilityLoss));
    }

    [Fact]
    public void Train_StabilityWeightAboveZero_AddsTheWeightedTermToTheLoss()
    {
        var options = FeedForwardFixture.Small with { Iterations = 3, StabilityWeight = 50, StabilityShift = 2, StabilityNoise = 0.05 };
        var seen = new List<FeedForwardTrainingProgress>();

        var plain = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options with { StabilityWeight = 0 }, null, null, CancellationToken.None);
        var stable = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options, seen.Add, null, CancellationToken.None);
        var again = Trainer.Train(fixture.Photos, fixture.Engine.Targets, options, null, null, CancellationToken.None);

        Assert.All(seen, p => Assert.True(p.StabilityLoss > 0));
        // The seed preset: style weight 1e6, no total variation.
        Assert.All(seen, p => Assert.Equal(p.TotalLoss, p.ContentLoss + 1e6 * p.StyleLoss + 50 * p.StabilityLoss, p.TotalLoss * 1e-5));
        Assert.NotEqual(plain.Weights, stable.Weights);
        Assert.Equal(stable.Weights, again.Weights);
    }

    [Theory]
    [InlineData(1, 0, 0, "StabilityWeight")]
    [InlineData(-1, 2, 0.02, "StabilityWeight")]
    [InlineData(1, 17, 0.02, "StabilityShift")]
    [InlineData(1, 2, 1.5, "StabilityNoise")]
    public void Validate_BadStabilityOption_NamesTheField(double weight, int shift, double noise, string field)
    {
        var options = FeedForwardFixture.Small with { StabilityWeight = weight, StabilityShift = shift, StabilityNoise = noise };

        var error = Assert.Throws<InvalidStyleOptionException>(() => Trainer.Validate(options));

        Assert.Equal(field, error.Field);
    }
}
