using SkiaSharp;
using StyleGrpc.Engine.Control;

namespace StyleGrpc.Engine.Imaging;

/// <summary>
/// Region masks from encoded images: the alpha channel when the image has a real one (some pixel not fully opaque), else
/// the luminance (BT.601), as weights in [0, 1]. EXIF orientation is applied as for photos.
/// </summary>
public static class MaskCodec
{
    /// <summary>Decodes a mask upright, at its own size or, when its longer side is above <paramref name="maxSide"/>, scaled down to it (area-averaged).</summary>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable image.</exception>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    public static RegionMask Decode(ReadOnlySpan<byte> encoded, long maxPixels = ImageCodec.DefaultMaxPixels, int maxSide = int.MaxValue)
    {
        ImageCodec.ReadHeader(encoded, maxPixels);
        using var data = SKData.CreateCopy(encoded);
        using var image = SKImage.FromEncodedData(data) ?? throw new ImageDecodeException("cannot decode mask image");
        using var codec = SKCodec.Create(data);
        var origin = codec?.EncodedOrigin ?? SKEncodedOrigin.TopLeft;
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (width, height) = swap ? (image.Height, image.Width) : (image.Width, image.Height);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Transparent);
            canvas.SetMatrix(ImageCodec.OrientationMatrix(origin, width, height));
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }
        var (outWidth, outHeight) = ImageCodec.FitWithin(width, height, maxSide);
        using var scaled = outWidth == width && outHeight == height
            ? null
            : bitmap.Resize(new SKImageInfo(outWidth, outHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        (width, height) = (outWidth, outHeight);
        var bytes = (scaled ?? bitmap).Bytes;
        var values = new float[width * height];
        var hasAlpha = false;
        for (var i = 0; i < values.Length; i++)
        {
            if (bytes[i * 4 + 3] != 255)
            {
                hasAlpha = true;
                break;
            }
        }
        for (var i = 0; i < values.Length; i++)
        {
            var o = i * 4;
            values[i] = hasAlpha
                ? bytes[o + 3] / 255f
                : (float)Math.Clamp((0.299 * bytes[o] + 0.587 * bytes[o + 1] + 0.114 * bytes[o + 2]) / 255, 0, 1);
        }
        return new RegionMask(width, height, values);
    }
}
