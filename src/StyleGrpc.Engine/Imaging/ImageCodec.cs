using SkiaSharp;

namespace StyleGrpc.Engine.Imaging;

/// <summary>
/// Image decoding, resizing and encoding on SkiaSharp. Decoding reads the header first and refuses
/// images above <c>maxPixels</c> before any pixel is decoded; EXIF orientation is applied, alpha is
/// flattened onto white, and every source colour type (grayscale, CMYK, 16-bit) comes out as 8-bit RGB.
/// JPEG, PNG, WebP, BMP and GIF (first frame) are read. <see cref="ReadHeader"/> answers size, format and
/// orientation without decoding; <see cref="Decode(ReadOnlySpan{byte}, long, int)"/> lets JPEG and WebP decode
/// straight to a smaller size, so a large photo for a small output never exists at full size in memory.
/// </summary>
public static class ImageCodec
{
    /// <summary>Default pixel limit: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    // Scaled decoding steps through k/8 of the stored size.
    private const int Eighths = 8;

    /// <summary>Reads only the header: the displayed width and height (after EXIF orientation).</summary>
    public static (int Width, int Height) ReadDimensions(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = CreateCodec(data);
        return OrientedSize(codec);
    }

    /// <summary>The MIME type of images encoded as <paramref name="format"/>.</summary>
    public static string MediaType(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Webp => "image/webp",
        _ => "image/png",
    };

    /// <summary>The MIME type of an encoded image, from its header (<c>image/jpeg</c>, <c>image/png</c>, …).</summary>
    /// <exception cref="ImageDecodeException">The bytes are not an image the codec knows.</exception>
    public static string MediaType(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = CreateCodec(data);
        return MediaTypeOf(codec.EncodedFormat);
    }

    /// <summary>
    /// Reads only the header: the displayed size, the format and the EXIF orientation, and checks the pixel
    /// count, so an image can be refused or queued before any pixel is decoded. A file whose header is
    /// sound but whose data is truncated or corrupt passes here and fails in <see cref="Decode(ReadOnlySpan{byte}, long, int)"/>.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are not an image the codec knows.</exception>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> encoded, long maxPixels = DefaultMaxPixels)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = CreateCodec(data);
        var (width, height) = CheckedSize(codec, maxPixels);
        var full = codec.Info.Size;
        var smallest = codec.GetScaledDimensions(1f / Eighths);
        return new ImageHeader(width, height, MediaTypeOf(codec.EncodedFormat), (int)codec.EncodedOrigin,
            ScalesOnDecode: smallest.Width < full.Width || smallest.Height < full.Height);
    }

    /// <summary>Decodes an image to RGB at full size, upright, alpha flattened onto white.</summary>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable image.</exception>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, long maxPixels = DefaultMaxPixels) => Decode(encoded, maxPixels, int.MaxValue);

    /// <summary>
    /// Decodes an image to RGB, upright, alpha flattened onto white, scaled down by the codec on the way in
    /// where it can: to the smallest size it decodes directly (JPEG: 1/8, 2/8 … 8/8 by DCT scaling; WebP:
    /// the same eighths) whose longer side is still at least <paramref name="atLeastSide"/>, so the caller's
    /// <see cref="Resize"/> to its exact size only shrinks. The full-size pixels are never held when a
    /// smaller decode is possible. Formats without scaled decoding (PNG, GIF, BMP), and images whose longer
    /// side is at most <paramref name="atLeastSide"/>, come out at full size.
    /// </summary>
    /// <param name="encoded">The encoded image.</param>
    /// <param name="maxPixels">Largest width × height the header may declare (checked at full size, before decoding).</param>
    /// <param name="atLeastSide">Smallest longer side, in pixels, the result may have (unless the image is smaller); ≥ 1.</param>
    /// <exception cref="ImageDecodeException">The bytes are not a decodable image.</exception>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, long maxPixels, int atLeastSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atLeastSide, 1);
        using var data = SKData.CreateCopy(encoded);
        using var codec = CreateCodec(data);
        CheckedSize(codec, maxPixels);
        var stored = ScaledSize(codec, atLeastSide);
        var info = new SKImageInfo(stored.Width, stored.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ImageDecodeException($"cannot decode image: {result}");
        }
        if (result == SKCodecResult.IncompleteInput)
        {
            throw new ImageDecodeException("image data is truncated");
        }
        // Opaque and upright (most photos): the decoded pixels are already the answer, no second bitmap.
        if (codec.EncodedOrigin == SKEncodedOrigin.TopLeft && codec.Info.AlphaType == SKAlphaType.Opaque)
        {
            return ToRgb(decoded);
        }
        var (width, height) = Oriented(codec.EncodedOrigin, stored.Width, stored.Height);
        using var upright = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(upright))
        {
            canvas.Clear(SKColors.White);
            canvas.SetMatrix(OrientationMatrix(codec.EncodedOrigin, width, height));
            using var source = SKImage.FromBitmap(decoded);
            canvas.DrawImage(source, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }
        return ToRgb(upright);
    }

    /// <summary>Resizes to exactly <paramref name="width"/>×<paramref name="height"/> with a Mitchell cubic filter.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        if (image.Width == width && image.Height == height)
        {
            return image;
        }
        using var source = ToBitmap(image);
        using var resized = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul),
            new SKSamplingOptions(SKCubicResampler.Mitchell));
        return ToRgb(resized);
    }

    /// <summary>
    /// The size that fits <paramref name="maxSide"/> on the longer side, keeps the aspect ratio, and has
    /// both sides rounded to a multiple of <paramref name="multiple"/> (at least one multiple). Images
    /// already smaller are enlarged only when <paramref name="upscale"/> is set.
    /// </summary>
    public static (int Width, int Height) FitWithin(int width, int height, int maxSide, int multiple = 1, bool upscale = false)
    {
        var scale = (double)maxSide / Math.Max(width, height);
        if (!upscale)
        {
            scale = Math.Min(1.0, scale);
        }
        int Round(double side) => Math.Max(multiple, (int)Math.Round(side * scale / multiple) * multiple);
        var w = Math.Min(Round(width), Math.Max(multiple, maxSide / multiple * multiple));
        var h = Math.Min(Round(height), Math.Max(multiple, maxSide / multiple * multiple));
        return (w, h);
    }

    /// <summary>Encodes to PNG, JPEG or WebP. <paramref name="quality"/> (1–100) applies to JPEG and WebP.</summary>
    public static byte[] Encode(RgbImage image, ImageFormat format = ImageFormat.Png, int quality = 92)
    {
        using var bitmap = ToBitmap(image);
        using var skImage = SKImage.FromBitmap(bitmap);
        var skFormat = format switch
        {
            ImageFormat.Jpeg => SKEncodedImageFormat.Jpeg,
            ImageFormat.Webp => SKEncodedImageFormat.Webp,
            _ => SKEncodedImageFormat.Png,
        };
        using var data = skImage.Encode(skFormat, Math.Clamp(quality, 1, 100))
            ?? throw new StyleTransferException($"SkiaSharp could not encode {format}");
        return data.ToArray();
    }

    private static SKCodec CreateCodec(SKData data)
    {
        if (data.Size == 0)
        {
            throw new ImageDecodeException("image is empty");
        }
        return SKCodec.Create(data) ?? throw new ImageDecodeException("not a supported image (JPEG, PNG, WebP, BMP, GIF) or corrupt header");
    }

    private static (int Width, int Height) OrientedSize(SKCodec codec) => Oriented(codec.EncodedOrigin, codec.Info.Width, codec.Info.Height);

    private static (int Width, int Height) Oriented(SKEncodedOrigin origin, int w, int h) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom
            ? (h, w)
            : (w, h);

    // The displayed size, refused above maxPixels before anything is decoded.
    private static (int Width, int Height) CheckedSize(SKCodec codec, long maxPixels)
    {
        var (width, height) = OrientedSize(codec);
        if ((long)width * height > maxPixels)
        {
            throw new ImageTooLargeException(width, height, maxPixels);
        }
        return (width, height);
    }

    // The smallest stored size the codec decodes to directly whose longer side is still ≥ atLeastSide. Only
    // eighths are tried: they are what libjpeg-turbo's DCT scaling offers, and for codecs that scale freely
    // (WebP) they leave the last step to the caller's Mitchell resize, as for JPEG. Codecs that cannot scale
    // answer their full size to every question.
    private static SKSizeI ScaledSize(SKCodec codec, int atLeastSide)
    {
        var best = codec.Info.Size;
        if (Math.Max(best.Width, best.Height) <= atLeastSide)
        {
            return best;
        }
        for (var eighths = 1; eighths < Eighths; eighths++)
        {
            var size = codec.GetScaledDimensions((float)eighths / Eighths);
            if (Math.Max(size.Width, size.Height) >= atLeastSide && (long)size.Width * size.Height < (long)best.Width * best.Height)
            {
                best = size;
            }
        }
        return best;
    }

    private static string MediaTypeOf(SKEncodedImageFormat format) => format switch
    {
        SKEncodedImageFormat.Jpeg => "image/jpeg",
        SKEncodedImageFormat.Png => "image/png",
        SKEncodedImageFormat.Webp => "image/webp",
        SKEncodedImageFormat.Gif => "image/gif",
        SKEncodedImageFormat.Bmp => "image/bmp",
        _ => "application/octet-stream",
    };

    // Maps stored pixel (u, v) to displayed pixel (x, y) for each EXIF orientation; w×h is the displayed size.
    internal static SKMatrix OrientationMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, w, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, w, -1, 0, h, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, h, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private static RgbImage ToRgb(SKBitmap bitmap)
    {
        // Opaque after flattening, so premultiplied RGBA equals straight RGBA.
        var rgba = bitmap.GetPixelSpan();
        var pixels = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, j = 0; j < pixels.Length; i += 4, j += 3)
        {
            pixels[j] = rgba[i];
            pixels[j + 1] = rgba[i + 1];
            pixels[j + 2] = rgba[i + 2];
        }
        return new RgbImage(bitmap.Width, bitmap.Height, pixels);
    }

    private static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var rgba = bitmap.GetPixelSpan();
        var pixels = image.Pixels;
        for (int i = 0, j = 0; j < pixels.Length; i += 4, j += 3)
        {
            rgba[i] = pixels[j];
            rgba[i + 1] = pixels[j + 1];
            rgba[i + 2] = pixels[j + 2];
            rgba[i + 3] = 255;
        }
        return bitmap;
    }
}
