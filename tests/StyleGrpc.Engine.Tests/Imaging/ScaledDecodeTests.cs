using System.Diagnostics;
using StyleGrpc.Engine.Imaging;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.Imaging;

/// <summary>Header reads without decoding, and decoding scaled down by the codec on the way in.</summary>
public sealed class ScaledDecodeTests(LargeJpegFixture large, ITestOutputHelper output) : IClassFixture<LargeJpegFixture>
{
    // Largest mean absolute difference, in 8-bit levels over every channel, between a scaled decode and the
    // exact area average of the full decode by the same factor, both at the decoded size and after the Mitchell
    // resize to the target. Measured 0.28–0.57 (JPEG 1/2, 1/4, 1/8 and WebP 1/4; see the tests' output).
    private const double Tolerance = 1.0;

    [Theory]
    [InlineData(ImageFormat.Jpeg, "image/jpeg", true)]
    [InlineData(ImageFormat.Png, "image/png", false)]
    [InlineData(ImageFormat.Webp, "image/webp", true)]
    public void ReadHeader_EachFormat_MatchesDecodedSize(ImageFormat format, string mediaType, bool scales)
    {
        var photo = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("storm.jpg")));
        var bytes = ImageCodec.Encode(photo, format, 90);

        var header = ImageCodec.ReadHeader(bytes, ImageCodec.DefaultMaxPixels);

        var decoded = ImageCodec.Decode(bytes);
        Assert.Equal((decoded.Width, decoded.Height), (header.Width, header.Height));
        Assert.Equal((960, 640), (header.Width, header.Height));
        Assert.Equal(960L * 640, header.Pixels);
        Assert.Equal(mediaType, header.MediaType);
        Assert.Equal(1, header.Orientation);
        Assert.Equal(scales, header.ScalesOnDecode);
    }

    [Theory]
    [InlineData(1, 400, 200)]
    [InlineData(2, 400, 200)]
    [InlineData(3, 400, 200)]
    [InlineData(4, 400, 200)]
    [InlineData(5, 200, 400)]
    [InlineData(6, 200, 400)]
    [InlineData(7, 200, 400)]
    [InlineData(8, 200, 400)]
    public void ReadHeader_ExifOrientation_GivesDisplayedSize(ushort orientation, int width, int height)
    {
        var jpeg = TestImages.WithExifOrientation(ImageCodec.Encode(Quadrants(400, 200), ImageFormat.Jpeg, 95), orientation);

        var header = ImageCodec.ReadHeader(jpeg, ImageCodec.DefaultMaxPixels);

        Assert.Equal((width, height), (header.Width, header.Height));
        Assert.Equal(orientation, header.Orientation);
        Assert.Equal(ImageCodec.ReadDimensions(jpeg), (header.Width, header.Height));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Decode_ScaledExifRotatedJpeg_IsUprightLikeTheFullDecode(ushort orientation)
    {
        // Stored 1600×800 in four coloured quadrants: every orientation puts a different colour in each corner.
        var jpeg = TestImages.WithExifOrientation(ImageCodec.Encode(Quadrants(1600, 800), ImageFormat.Jpeg, 95), orientation);
        var full = ImageCodec.Decode(jpeg);

        var scaled = ImageCodec.Decode(jpeg, ImageCodec.DefaultMaxPixels, atLeastSide: 200);

        // 1/8 of the stored size, turned like the full decode.
        Assert.Equal((full.Width / 8, full.Height / 8), (scaled.Width, scaled.Height));
        var (w, h) = ImageCodec.FitWithin(full.Width, full.Height, 150);
        AssertLikeTheFullPath(full, scaled, 8, w, h);
        foreach (var (x, y) in new[] { (w / 4, h / 4), (3 * w / 4, h / 4), (w / 4, 3 * h / 4), (3 * w / 4, 3 * h / 4) })
        {
            var a = Pixel(ImageCodec.Resize(full, w, h), x, y);
            var b = Pixel(ImageCodec.Resize(scaled, w, h), x, y);
            Assert.True(Math.Abs(a.R - b.R) + Math.Abs(a.G - b.G) + Math.Abs(a.B - b.B) < 30, $"({x}, {y}): full {a}, scaled {b}");
        }
    }

    [Fact]
    public void ReadHeader_Garbage_ThrowsTheDecodeError()
    {
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        var truncated = File.ReadAllBytes(TestData.Image("storm.jpg"))[..100];
        foreach (var bytes in new[] { random, [], truncated })
        {
            Assert.Throws<ImageDecodeException>(() => ImageCodec.ReadHeader(bytes, ImageCodec.DefaultMaxPixels));
            Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(bytes, ImageCodec.DefaultMaxPixels, 512));
        }
    }

    [Fact]
    public void ReadHeader_TooManyPixels_ThrowsTheTooLargeError()
    {
        var png = TestImages.PngHeaderOnly(100_000, 100_000);
        var fromHeader = Assert.Throws<ImageTooLargeException>(() => ImageCodec.ReadHeader(png, 40_000_000));
        Assert.Equal((100_000, 100_000, 40_000_000L), (fromHeader.Width, fromHeader.Height, fromHeader.MaxPixels));
        Assert.Throws<ImageTooLargeException>(() => ImageCodec.Decode(png, 40_000_000, 512));

        // Checked at full size even when the decode would scale far below the limit.
        var jpeg = Assert.Throws<ImageTooLargeException>(() => ImageCodec.ReadHeader(large.Bytes, 30_000_000));
        Assert.Equal(LargeJpegFixture.Side, jpeg.Width);
        Assert.Throws<ImageTooLargeException>(() => ImageCodec.Decode(large.Bytes, 30_000_000, 512));
    }

    [Fact]
    public void Decode_LargeJpegFor512_DecodesAtOneEighthAndResizesLikeTheFullPath()
    {
        var clock = Stopwatch.StartNew();
        var scaled = ImageCodec.Decode(large.Bytes, ImageCodec.DefaultMaxPixels, atLeastSide: 512);
        var scaledTime = clock.Elapsed;
        clock.Restart();
        var full = ImageCodec.Decode(large.Bytes);
        var fullTime = clock.Elapsed;

        // 6000 / 8 = 750: the smallest eighth whose side is still ≥ 512.
        Assert.Equal((750, 750), (scaled.Width, scaled.Height));
        Assert.Equal((LargeJpegFixture.Side, LargeJpegFixture.Side), (full.Width, full.Height));
        output.WriteLine($"{large.Bytes.Length} byte JPEG {LargeJpegFixture.Side}²: scaled decode {scaled.Width}×{scaled.Height} in {scaledTime.TotalMilliseconds:F0} ms, "
            + $"full decode in {fullTime.TotalMilliseconds:F0} ms");
        AssertLikeTheFullPath(full, scaled, 8, 512, 512);
    }

    [Theory]
    [InlineData(128, 128, 96)]
    [InlineData(256, 256, 192)]
    [InlineData(300, 384, 288)]
    [InlineData(512, 512, 384)]
    [InlineData(700, 768, 576)]
    [InlineData(1024, 1024, 768)]
    [InlineData(4000, 1024, 768)]
    public void Decode_RealJpeg_TakesTheSmallestEighthAtLeastTheSide(int atLeastSide, int width, int height)
    {
        var bytes = File.ReadAllBytes(TestData.Image("tubingen.jpg"));

        var scaled = ImageCodec.Decode(bytes, ImageCodec.DefaultMaxPixels, atLeastSide);

        Assert.Equal((width, height), (scaled.Width, scaled.Height));
        if (1024 % width == 0)
        {
            // A detailed photo, not an enlarged one: the hardest case for the comparison.
            var (w, h) = ImageCodec.FitWithin(1024, 768, atLeastSide * 7 / 10);
            AssertLikeTheFullPath(ImageCodec.Decode(bytes), scaled, 1024 / width, w, h);
        }
    }

    [Fact]
    public void Decode_LargeWebp_ScalesToo()
    {
        var webp = ImageCodec.Encode(ImageCodec.Decode(LargeJpeg.FromPhoto("storm.jpg", 2400, 1600, 95)), ImageFormat.Webp, 90);

        var scaled = ImageCodec.Decode(webp, ImageCodec.DefaultMaxPixels, atLeastSide: 512);

        Assert.Equal((600, 400), (scaled.Width, scaled.Height));
        AssertLikeTheFullPath(ImageCodec.Decode(webp), scaled, 4, 512, 341);
    }

    [Fact]
    public void Decode_Png_DecodesFullSize()
    {
        var png = ImageCodec.Encode(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("storm.jpg"))), ImageFormat.Png);

        var decoded = ImageCodec.Decode(png, ImageCodec.DefaultMaxPixels, atLeastSide: 64);

        Assert.Equal((960, 640), (decoded.Width, decoded.Height));
        Assert.Equal(ImageCodec.Decode(png).Pixels, decoded.Pixels);
    }

    [Fact]
    public void Decode_AtLeastSideBelowOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")), ImageCodec.DefaultMaxPixels, 0));

    // Today's path (full decode, Mitchell resize) aliases when it shrinks by 2× or more: the cubic filter takes
    // 4×4 source pixels whatever the scale. The codec's scaled decode averages its blocks instead. So the scaled
    // path is held to the exact area average of the full decode (box filter by the integer factor), at the decoded
    // size and after both are resized to the target; its distance from today's path is reported, and must come
    // from today's aliasing: the scaled path is never farther from the area average than today's is.
    private void AssertLikeTheFullPath(RgbImage full, RgbImage scaled, int factor, int width, int height)
    {
        var area = BoxAverage(full, factor);
        var today = ImageCodec.Resize(full, width, height);
        var fromScaled = ImageCodec.Resize(scaled, width, height);
        var fromArea = ImageCodec.Resize(area, width, height);
        var atDecoded = MeanAbsoluteDifference(scaled, area);
        var atTarget = MeanAbsoluteDifference(fromScaled, fromArea);
        var todayFromArea = MeanAbsoluteDifference(today, fromArea);
        output.WriteLine($"{full.Width}×{full.Height} → {scaled.Width}×{scaled.Height} (1/{factor}) → {width}×{height}: mean |Δ| scaled vs area average {atDecoded:F3} "
            + $"(at target {atTarget:F3}); scaled vs today's path {MeanAbsoluteDifference(fromScaled, today):F3} (max {MaxAbsoluteDifference(fromScaled, today)}); "
            + $"today's path vs area average {todayFromArea:F3}");
        Assert.InRange(atDecoded, 0, Tolerance);
        Assert.InRange(atTarget, 0, Tolerance);
        Assert.InRange(atTarget, 0, todayFromArea + 0.05);
    }

    // The mean of each factor×factor block, rounded.
    private static RgbImage BoxAverage(RgbImage image, int factor)
    {
        var (width, height) = (image.Width / factor, image.Height / factor);
        var pixels = new byte[width * height * 3];
        var area = factor * factor;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var sum = 0;
                    for (var dy = 0; dy < factor; dy++)
                    {
                        for (var dx = 0; dx < factor; dx++)
                        {
                            sum += image.Pixels[(((y * factor) + dy) * image.Width + (x * factor) + dx) * 3 + c];
                        }
                    }
                    pixels[(y * width + x) * 3 + c] = (byte)((sum + area / 2) / area);
                }
            }
        }
        return new RgbImage(width, height, pixels);
    }

    // Red, green, blue and white quadrants (top-left, top-right, bottom-left, bottom-right).
    private static RgbImage Quadrants(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = (x < width / 2, y < height / 2) switch
                {
                    (true, true) => (255, 0, 0),
                    (false, true) => (0, 255, 0),
                    (true, false) => (0, 0, 255),
                    _ => (255, 255, 255),
                };
                var i = (y * width + x) * 3;
                (pixels[i], pixels[i + 1], pixels[i + 2]) = ((byte)r, (byte)g, (byte)b);
            }
        }
        return new RgbImage(width, height, pixels);
    }

    private static double MeanAbsoluteDifference(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long sum = 0;
        for (var i = 0; i < a.Pixels.Length; i++)
        {
            sum += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        }
        return (double)sum / a.Pixels.Length;
    }

    private static int MaxAbsoluteDifference(RgbImage a, RgbImage b) => a.Pixels.Zip(b.Pixels, (x, y) => Math.Abs(x - y)).Max();

    private static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        var i = (y * image.Width + x) * 3;
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }
}
