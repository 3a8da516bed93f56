using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.Tests.Video;

/// <summary>The feed-forward method's blend with the warped previous output: plain arrays, no tensors.</summary>
public sealed class TemporalBlendTests
{
    // 2×1: pixel 0 goes from (0, 100, 200) to the warped (200, 100, 0), pixel 1 from (10, 20, 30) to (250, 250, 250).
    private static readonly RgbImage Current = new(2, 1, [0, 100, 200, 10, 20, 30]);
    private static readonly RgbImage Warped = new(2, 1, [200, 100, 0, 250, 250, 250]);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0.5)]
    [InlineData(3, 0.75)]
    [InlineData(double.PositiveInfinity, 1)]
    public void Alpha_OfTemporalWeight_IsWOverOnePlusW(double weight, double alpha) =>
        Assert.Equal(alpha, TemporalBlend.Alpha(weight), 1e-12);

    [Fact]
    public void Blend_ReliableAndOccludedPixels_MixesOnlyWhereReliable()
    {
        var guide = new TemporalGuide { Warped = Warped, Weights = [1f, 0f], Weight = 1 };

        var blended = TemporalBlend.Blend(Current, guide);

        // Pixel 0: α = ½ of the way to the warped value; pixel 1 occluded: the network's output unchanged.
        Assert.Equal(new byte[] { 100, 100, 100, 10, 20, 30 }, blended.Pixels);
    }

    [Fact]
    public void Blend_PartialReliability_ScalesAlphaAndRoundsToNearest()
    {
        // m·α = 0.5 × 0.75 = 0.375 at pixel 0, 0.25 × 0.75 = 0.1875 at pixel 1.
        var guide = new TemporalGuide { Warped = Warped, Weights = [0.5f, 0.25f], Weight = 3 };

        var blended = TemporalBlend.Blend(Current, guide);

        // 0 + 0.375·200 = 75; 200 − 75 = 125; 10 + 0.1875·240 = 55; 20 + 0.1875·230 = 63.125 → 63; 30 + 0.1875·220 = 71.25 → 71.
        Assert.Equal(new byte[] { 75, 100, 125, 55, 63, 71 }, blended.Pixels);
    }

    [Fact]
    public void Blend_WeightZero_ReturnsTheNetworkOutput()
    {
        var guide = new TemporalGuide { Warped = Warped, Weights = [1f, 1f], Weight = 0 };

        Assert.Equal(Current.Pixels, TemporalBlend.Blend(Current, guide).Pixels);
    }

    [Fact]
    public void Blend_HugeWeightFullyReliable_ReturnsTheWarpedOutput()
    {
        var guide = new TemporalGuide { Warped = Warped, Weights = [1f, 1f], Weight = 1e9 };

        Assert.Equal(Warped.Pixels, TemporalBlend.Blend(Current, guide).Pixels);
    }

    [Theory]
    [InlineData(3, 1, 0.5, "Temporal")]
    [InlineData(2, 1, 1.5, "Temporal")]
    [InlineData(2, 1, 0.5, "TemporalWeight")]
    public void Blend_GuideThatDoesNotFit_IsRejectedNamingTheField(int weights, int height, float value, string field)
    {
        var guide = new TemporalGuide
        {
            Warped = height == 1 ? Warped : new RgbImage(2, height, new byte[6 * height]),
            Weights = [.. Enumerable.Repeat(value, weights)],
            Weight = field == "TemporalWeight" ? -1 : 1,
        };

        var error = Assert.Throws<InvalidStyleOptionException>(() => TemporalBlend.Blend(Current, guide));

        Assert.Equal(field, error.Field);
    }
}
