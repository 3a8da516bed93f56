using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests.Media;

public sealed class VideoDecodePlanTests
{
    private static readonly VideoInfo Source = new(1920, 1080, 240, 24, TimeSpan.FromSeconds(10), true, "h264", "mov,mp4,m4a,3gp,3g2,mj2");

    [Theory]
    [InlineData(1920, 1080, 1280, 1280, 720)]
    [InlineData(1080, 1920, 1280, 720, 1280)]
    [InlineData(193, 129, 1280, 192, 128)]
    [InlineData(192, 128, 101, 100, 66)]
    [InlineData(4000, 3, 64, 64, 2)]
    public void Fit_ShrinksToEvenSidesWithinMaxSide(int width, int height, int maxSide, int expectedWidth, int expectedHeight)
    {
        var size = FrameSize.Fit(width, height, maxSide);

        Assert.Equal(new FrameSize(expectedWidth, expectedHeight), size);
        Assert.True(Math.Max(size.Width, size.Height) <= maxSide);
    }

    // The offline ResNet18 keeps only sides that are multiples of 16: frames are decoded at such a size, so a stylised frame
    // comes out at the size the part's encoder was started with (pan.mp4 at 64 px was 64×42 and came out 64×48).
    [Theory]
    [InlineData(192, 128, 64, 16, 64, 32)]
    [InlineData(1920, 1080, 512, 16, 512, 288)]
    [InlineData(1920, 1080, 1000, 16, 992, 560)]
    [InlineData(1920, 1080, 1000, 3, 996, 558)]
    public void Fit_WithTheNetworksMultiple_GivesSidesItKeeps(int width, int height, int maxSide, int multiple, int expectedWidth, int expectedHeight)
    {
        var size = FrameSize.Fit(width, height, maxSide, multiple);

        Assert.Equal(new FrameSize(expectedWidth, expectedHeight), size);
        Assert.Equal(new FrameSize(expectedWidth, expectedHeight),
            VideoDecodePlan.Create(Source with { Width = width, Height = height }, new VideoDecodeOptions { MaxSide = maxSide, SizeMultiple = multiple },
                new VideoLimits()).Size);
    }

    [Fact]
    public void Create_Defaults_TakesEveryFrameAtTheLimitsMaxSide()
    {
        var plan = VideoDecodePlan.Create(Source, new VideoDecodeOptions(), new VideoLimits());

        Assert.Equal(new FrameSize(1280, 720), plan.Size);
        Assert.Equal((24.0, false, 240L), (plan.FramesPerSecond, plan.Resample, plan.ExpectedFrames));
    }

    [Fact]
    public void Create_RangeAndRate_CountsFramesAtTheNewRate()
    {
        var plan = VideoDecodePlan.Create(Source,
            new VideoDecodeOptions { FramesPerSecond = 12, Range = new FrameRange(100, 50), MaxSide = 256 }, new VideoLimits());

        Assert.Equal((12.0, true, 20L), (plan.FramesPerSecond, plan.Resample, plan.ExpectedFrames));
        Assert.Equal(new FrameSize(256, 144), plan.Size);
    }

    [Theory]
    [InlineData(240, null, null, "frame_range")]
    [InlineData(-1, null, null, "frame_range")]
    [InlineData(0, 0, null, "frame_range")]
    [InlineData(0, null, 500.0, "frame_rate")]
    [InlineData(0, null, 0.0, "frame_rate")]
    public void Create_OutOfRange_NamesTheField(int first, int? count, double? fps, string field)
    {
        var e = Assert.Throws<VideoRejectedException>(() => VideoDecodePlan.Create(Source,
            new VideoDecodeOptions { Range = new FrameRange(first, count), FramesPerSecond = fps }, new VideoLimits()));

        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Create_RateMakingTooManyFrames_NamesFrameRate()
    {
        var e = Assert.Throws<VideoRejectedException>(() => VideoDecodePlan.Create(Source,
            new VideoDecodeOptions { FramesPerSecond = 120 }, new VideoLimits { MaxFrames = 1000 }));

        Assert.Equal("frame_rate", e.Field);
        Assert.Contains("1200 frames", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MaxSideOverTheLimit_NamesMaxSide()
    {
        var e = Assert.Throws<VideoRejectedException>(
            () => VideoDecodePlan.Create(Source, new VideoDecodeOptions { MaxSide = 4096 }, new VideoLimits()));

        Assert.Equal("max_side", e.Field);
    }
}
