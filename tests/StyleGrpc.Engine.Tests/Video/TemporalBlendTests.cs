using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.Tests.Video;

/// <summary>The feed-forward method's blend with the warped previous output (the server's, and the benchmark's variants): plain arrays, no tensors.</summary>
public sealed class TemporalBlendTests
{
    // 2×1: pixel 0 goes from (0, 100, 200) to the warped (200, 100, 0), pixel 1 from (10, 20, 30) to (250, 250, 250).
    private static readonly RgbImage Current = new(2, 1, [0, 100, 200, 10, 20, 30]);
    private static readonly RgbImage Warped = new(2, 1, [200, 100, 0, 250, 250, 250]);
    private static readonly TemporalBlendOptions Contrast = new() { Mode = TemporalBlendMode.ContrastPreserving };

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

    [Fact]
    public void Blend_DefaultOptions_IsThePlainBlend()
    {
        var guide = new TemporalGuide { Warped = Noise(32, 24, 1), Weights = Reliable(32 * 24, 0.8f), Weight = 1 };
        var current = Noise(32, 24, 2);

        Assert.Equal(TemporalBlend.Blend(current, guide, new TemporalBlendOptions { Mode = TemporalBlendMode.Plain }).Pixels,
            TemporalBlend.Blend(current, guide).Pixels);
    }

    [Fact]
    public void Blend_ContrastPreservingUncorrelatedTextures_KeepsTheirContrastWhereThePlainBlendLosesIt()
    {
        // Two independent noises of σ ≈ 40: their plain half-and-half average has σ ≈ 40/√2; restoring each band's local
        // contrast gives back the network's.
        var current = Noise(96, 64, 1);
        var guide = new TemporalGuide { Warped = Noise(96, 64, 2), Weights = Reliable(96 * 64, 1), Weight = 1 };

        var plain = StandardDeviation(TemporalBlend.Blend(current, guide).Pixels) / StandardDeviation(current.Pixels);
        var kept = StandardDeviation(TemporalBlend.Blend(current, guide, Contrast).Pixels) / StandardDeviation(current.Pixels);

        Assert.InRange(plain, 0.65, 0.76);
        Assert.InRange(kept, 0.92, 1.08);
    }

    [Theory]
    [InlineData(1f, 1)]
    [InlineData(1f, 3)]
    [InlineData(0f, 3)]
    public void Blend_ContrastPreservingAgreeingTexturesOrOccluded_ChangesNothing(float reliability, double weight)
    {
        // Where the warped output is the network's own texture (a static region), or nowhere reliable, every gain is 1.
        var current = Noise(48, 32, 3);
        var warped = reliability == 1 ? current : Noise(48, 32, 4);
        var guide = new TemporalGuide { Warped = warped, Weights = Reliable(48 * 32, reliability), Weight = weight };

        Assert.Equal(current.Pixels, TemporalBlend.Blend(current, guide, Contrast).Pixels);
    }

    [Fact]
    public void Blend_LowPassOfAFlatDifference_IsThePlainBlend()
    {
        // warped = current + 40 everywhere: the difference is its own low-pass, so only α·40 is added.
        var current = new RgbImage(16, 8, [.. Enumerable.Range(0, 16 * 8 * 3).Select(i => (byte)(i % 200))]);
        var warped = new RgbImage(16, 8, [.. current.Pixels.Select(p => (byte)(p + 40))]);
        var guide = new TemporalGuide { Warped = warped, Weights = Reliable(16 * 8, 1), Weight = 1 };

        var blended = TemporalBlend.Blend(current, guide, new TemporalBlendOptions { Mode = TemporalBlendMode.LowPass });

        Assert.Equal(current.Pixels.Select(p => (byte)(p + 20)), blended.Pixels);
    }

    [Fact]
    public void Blend_NoRadius_IsRejected()
    {
        var guide = new TemporalGuide { Warped = Warped, Weights = [1f, 1f], Weight = 1 };

        Assert.Throws<ArgumentException>(() => TemporalBlend.Blend(Current, guide, Contrast with { Radii = [] }));
    }

    private static float[] Reliable(int pixels, float value) => [.. Enumerable.Repeat(value, pixels)];

    // Independent Gaussian noise per value, mean 128, σ 40, clamped to bytes; seeded.
    private static RgbImage Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            pixels[i] = (byte)Math.Clamp(Math.Round(128 + 40 * gaussian), 0, 255);
        }
        return new RgbImage(width, height, pixels);
    }

    private static double StandardDeviation(byte[] values)
    {
        var mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
