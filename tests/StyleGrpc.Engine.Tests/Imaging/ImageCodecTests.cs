using System.Buffers.Binary;
using SkiaSharp;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.Tests.Imaging;

public sealed class ImageCodecTests
{
    [Fact]
    public void Decode_RealJpeg_GivesRgbOfHeaderSize()
    {
        var bytes = File.ReadAllBytes(TestData.Image("tubingen.jpg"));
        var (w, h) = ImageCodec.ReadDimensions(bytes);
        var image = ImageCodec.Decode(bytes);
        Assert.Equal((w, h), (image.Width, image.Height));
        Assert.Equal(w * h * 3, image.Pixels.Length);
        Assert.InRange(image.Pixels.Average(b => (double)b), 40, 220);
    }

    [Fact]
    public void Decode_ExifRotatedJpeg_ComesOutUpright()
    {
        // Stored landscape 40×20, left half red, right half blue; EXIF 6 says "rotate 90° clockwise to show".
        var stored = new RgbImage(40, 20, Enumerable.Range(0, 40 * 20).SelectMany(i => i % 40 < 20 ? new byte[] { 255, 0, 0 } : new byte[] { 0, 0, 255 }).ToArray());
        var jpeg = TestImages.WithExifOrientation(ImageCodec.Encode(stored, ImageFormat.Jpeg, 95), 6);

        var upright = ImageCodec.Decode(jpeg);

        Assert.Equal((20, 40), (upright.Width, upright.Height));
        Assert.Equal((20, 40), ImageCodec.ReadDimensions(jpeg));
        // After a clockwise turn the stored left (red) half is at the top, the right (blue) at the bottom.
        var top = Pixel(upright, 10, 5);
        var bottom = Pixel(upright, 10, 35);
        Assert.True(top.R > 200 && top.B < 60, $"top is {top}");
        Assert.True(bottom.B > 200 && bottom.R < 60, $"bottom is {bottom}");
    }

    [Fact]
    public void Decode_HugeHeader_RefusedBeforeDecoding()
    {
        var png = TestImages.PngHeaderOnly(100_000, 100_000);
        Assert.Equal((100_000, 100_000), ImageCodec.ReadDimensions(png));
        var ex = Assert.Throws<ImageTooLargeException>(() => ImageCodec.Decode(png, maxPixels: 40_000_000));
        Assert.Equal(100_000, ex.Width);
    }

    [Fact]
    public void Decode_RandomBytes_ThrowsTypedError()
    {
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(random));
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode([]));
    }

    [Fact]
    public void Decode_TruncatedJpeg_ThrowsTypedError()
    {
        var bytes = File.ReadAllBytes(TestData.Image("storm.jpg"));
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(bytes.AsSpan(0, bytes.Length / 3)));
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(bytes.AsSpan(0, 100)));
    }

    [Fact]
    public void Decode_TransparentPng_FlattensOntoWhite()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(0, 0, 0, 0));
        using var data = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        var image = ImageCodec.Decode(data.ToArray());
        Assert.All(image.Pixels, b => Assert.Equal(255, b));
    }

    [Fact]
    public void Decode_GrayscalePng_GivesEqualChannels()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(90, 90, 90));
        using var data = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        var image = ImageCodec.Decode(data.ToArray());
        Assert.All(image.Pixels, b => Assert.Equal(90, b));
    }

    [Fact]
    public void Decode_Bmp_GivesItsPixels()
    {
        // 2×1 24-bit BMP, rows bottom-up, BGR, padded to 4 bytes: red then blue.
        byte[] pixels = [0, 0, 255, 255, 0, 0, 0, 0];
        var header = new byte[54];
        "BM"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(2), 54 + pixels.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(18), 2);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(22), 1);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(34), pixels.Length);
        var image = ImageCodec.Decode([.. header, .. pixels]);
        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 255 }, image.Pixels);
    }

    [Fact]
    public void Decode_Gif_GivesFirstFrame()
    {
        // 1×1 GIF89a, global palette [green, black], one frame of colour index 0.
        byte[] gif =
        [
            .. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0, 255, 0, 0, 0, 0,
            0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0, 0x3B,
        ];
        var image = ImageCodec.Decode(gif);
        Assert.Equal((1, 1), (image.Width, image.Height));
        Assert.Equal(new byte[] { 0, 255, 0 }, image.Pixels);
    }

    [Fact]
    public void Decode_SixteenBitPng_GivesEightBitRgb()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Rgba16161616, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(200, 100, 50));
        using var data = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        Assert.Equal(16, data.ToArray()[24]);
        var image = ImageCodec.Decode(data.ToArray());
        Assert.Equal(new byte[] { 200, 100, 50 }, image.Pixels[..3]);
    }

    [Theory]
    [InlineData(ImageFormat.Png)]
    [InlineData(ImageFormat.Jpeg)]
    [InlineData(ImageFormat.Webp)]
    public void Encode_EachFormat_DecodesBackToSameSize(ImageFormat format)
    {
        var image = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("content_64.png")));
        var decoded = ImageCodec.Decode(ImageCodec.Encode(image, format, 90));
        Assert.Equal((64, 64), (decoded.Width, decoded.Height));
        var meanError = image.Pixels.Zip(decoded.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(format == ImageFormat.Png ? meanError == 0 : meanError < 8, $"mean error {meanError}");
    }

    [Theory]
    [InlineData(1024, 768, 512, 1, 512, 384)]
    [InlineData(768, 1024, 512, 1, 384, 512)]
    [InlineData(300, 200, 512, 1, 300, 200)]
    [InlineData(1000, 750, 256, 16, 256, 192)]
    [InlineData(1000, 10, 256, 16, 256, 16)]
    public void FitWithin_KeepsAspectAndMultiple(int w, int h, int max, int multiple, int ew, int eh)
    {
        Assert.Equal((ew, eh), ImageCodec.FitWithin(w, h, max, multiple));
    }

    [Fact]
    public void Resize_KeepsContentRoughly()
    {
        var image = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")));
        var small = ImageCodec.Resize(image, 64, 48);
        Assert.Equal((64, 48), (small.Width, small.Height));
        Assert.InRange(small.Pixels.Average(b => (double)b) - image.Pixels.Average(b => (double)b), -5, 5);
    }

    private static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        var i = (y * image.Width + x) * 3;
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }
}
