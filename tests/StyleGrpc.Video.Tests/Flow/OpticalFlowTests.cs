using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Flow;
using Xunit.Abstractions;

namespace StyleGrpc.Video.Tests.Flow;

public sealed class OpticalFlowTests(PanFrames pan, ITestOutputHelper output) : IClassFixture<PanFrames>
{
    // The pan's window moves right 2 px a frame: content moves 2 px left. Frame t's pixel x was at x + 2 in frame t−1. Found on
    // frames shrunk to half (scale 0.5), the flow is brought back to the frames' size with its vectors doubled.
    [Theory]
    [InlineData(5, 1.0)]
    [InlineData(30, 1.0)]
    [InlineData(10, 0.5)]
    public void ComputeBoth_Pan_FindsTheKnownShift(int t, double scale)
    {
        var flows = OpticalFlow.ComputeBoth(pan.Frames[t - 1], pan.Frames[t], scale);

        Assert.Equal((pan.Frames[t].Width, pan.Frames[t].Height), (flows.Backward.Width, flows.Backward.Height));
        Assert.Equal((pan.Frames[t].Width, pan.Frames[t].Height), (flows.Forward.Width, flows.Forward.Height));
        var (backwardX, backwardY) = InteriorMean(flows.Backward);
        var (forwardX, forwardY) = InteriorMean(flows.Forward);
        output.WriteLine($"scale {scale}: backward ({backwardX:0.000}, {backwardY:0.000}), forward ({forwardX:0.000}, {forwardY:0.000})");
        Assert.InRange(backwardX, 1.5, 2.5);
        Assert.InRange(forwardX, -2.5, -1.5);
        Assert.InRange(backwardY, -0.5, 0.5);
        Assert.InRange(forwardY, -0.5, 0.5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ComputeBoth_ScaleOutsideZeroToOne_IsRefused(double scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OpticalFlow.ComputeBoth(pan.Frames[0], pan.Frames[1], scale));

    [Fact]
    public void Warp_PreviousFrameByBackwardFlow_MatchesTheCurrentFrame()
    {
        RgbImage previous = pan.Frames[20], current = pan.Frames[21];
        var flows = OpticalFlow.ComputeBoth(previous, current);

        var warped = FrameWarp.Warp(previous, flows.Backward);

        var before = InteriorDifference(previous, current);
        var after = InteriorDifference(warped, current);
        output.WriteLine($"mean difference to the current frame: {before:0.00} levels, warped {after:0.00}");
        Assert.True(after * 4 < before, $"warping took the difference from {before:0.00} to {after:0.00} levels only");
    }

    [Fact]
    public void Warp_ZeroFlow_IsTheSameImage()
    {
        var frame = pan.Frames[0];
        var zero = new FlowField(frame.Width, frame.Height, new float[frame.Width * frame.Height], new float[frame.Width * frame.Height]);

        Assert.Equal(frame.Pixels, FrameWarp.Warp(frame, zero).Pixels);
    }

    [Fact]
    public void OcclusionMask_Pan_MarksTheRevealedStripUnreliable()
    {
        RgbImage previous = pan.Frames[20], current = pan.Frames[21];
        var flows = OpticalFlow.ComputeBoth(previous, current);

        var mask = OcclusionMask.Compute(flows.Backward, flows.Forward);

        int width = current.Width, height = current.Height;
        // The last 2 columns of frame t show what frame t−1 did not.
        var strip = Enumerable.Range(0, height).SelectMany(y => new[] { mask[y * width + width - 2], mask[y * width + width - 1] }).Average();
        var interior = Enumerable.Range(8, height - 16).SelectMany(y => Enumerable.Range(8, width - 16).Select(x => mask[y * width + x])).Average();
        output.WriteLine($"reliable: revealed strip {strip:P1}, interior {interior:P1}");
        Assert.Equal(0, strip);
        Assert.True(interior > 0.7, $"only {interior:P0} of the interior is reliable");
        Assert.All(mask, m => Assert.True(m is 0 or 1));
    }

    [Fact]
    public void WarpingError_InputClip_IsSmallAndNoiseMakesItLarge()
    {
        var clean = new WarpingError();
        var noisy = new WarpingError();
        var random = new Random(3);
        var noised = pan.Frames.Select(f => AddNoise(f, random, 25)).ToList();
        for (var t = 1; t < pan.Frames.Count; t += 4)
        {
            var flows = OpticalFlow.ComputeBoth(pan.Frames[t - 1], pan.Frames[t]);
            var mask = OcclusionMask.Compute(flows.Backward, flows.Forward);
            clean.Add(flows.Backward, mask, pan.Frames[t - 1], pan.Frames[t]);
            noisy.Add(flows.Backward, mask, noised[t - 1], noised[t]);
        }

        output.WriteLine($"warping error: clip {clean.Mean:0.000000}, with noise {noisy.Mean:0.000000}");
        Assert.Equal(12, clean.Count);
        Assert.True(clean.Mean < 0.003, $"the clip's own warping error is {clean.Mean:0.00000}");
        Assert.True(noisy.Mean > 5 * clean.Mean, $"noise took the warping error from {clean.Mean:0.00000} to {noisy.Mean:0.00000} only");
    }

    [Fact]
    public void WarpingError_FramesOnly_ComputesTheFlowItself()
    {
        var error = new WarpingError();

        var first = error.Add(pan.Frames[0], pan.Frames[1], pan.Frames[0], pan.Frames[1]);
        error.Add(pan.Frames[1], pan.Frames[2], pan.Frames[1], pan.Frames[2]);

        Assert.Equal(2, error.Count);
        Assert.True(first is > 0 and < 0.003, $"pair error {first}");
    }

    [Fact]
    public void Compute_DifferentSizes_NamesTheArgument()
    {
        var small = new RgbImage(16, 16, new byte[16 * 16 * 3]);

        var e = Assert.Throws<ArgumentException>(() => OpticalFlow.Compute(pan.Frames[0], small));

        Assert.Equal("to", e.ParamName);
    }

    private static (double X, double Y) InteriorMean(FlowField flow)
    {
        double x = 0, y = 0;
        var n = 0;
        for (var row = 8; row < flow.Height - 8; row++)
        {
            for (var column = 8; column < flow.Width - 8; column++)
            {
                x += flow.Dx[row * flow.Width + column];
                y += flow.Dy[row * flow.Width + column];
                n++;
            }
        }
        return (x / n, y / n);
    }

    private static double InteriorDifference(RgbImage a, RgbImage b)
    {
        long total = 0;
        var n = 0;
        for (var y = 8; y < a.Height - 8; y++)
        {
            for (var i = (y * a.Width + 8) * 3; i < (y * a.Width + a.Width - 8) * 3; i++)
            {
                total += Math.Abs(a.Pixels[i] - b.Pixels[i]);
                n++;
            }
        }
        return (double)total / n;
    }

    private static RgbImage AddNoise(RgbImage image, Random random, int amplitude)
    {
        var pixels = new byte[image.Pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)Math.Clamp(image.Pixels[i] + random.Next(-amplitude, amplitude + 1), 0, 255);
        }
        return new RgbImage(image.Width, image.Height, pixels);
    }
}
