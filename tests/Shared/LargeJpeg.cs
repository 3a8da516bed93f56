using SkiaSharp;

namespace StyleGrpc.Tests.Shared;

/// <summary>Large test photos made on the fly: a shared photo enlarged with a Mitchell filter and encoded as JPEG.</summary>
public static class LargeJpeg
{
    /// <summary>
    /// <paramref name="photo"/> from <c>shared/images</c> enlarged to <paramref name="width"/>×<paramref name="height"/>
    /// (aspect not kept) and encoded as JPEG at <paramref name="quality"/>.
    /// </summary>
    public static byte[] FromPhoto(string photo, int width, int height, int quality = 90)
    {
        using var source = SKBitmap.Decode(TestData.Image(photo)) ?? throw new InvalidOperationException($"cannot decode {photo}");
        using var large = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque),
            new SKSamplingOptions(SKCubicResampler.Mitchell)) ?? throw new InvalidOperationException($"cannot resize {photo}");
        using var image = SKImage.FromBitmap(large);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
