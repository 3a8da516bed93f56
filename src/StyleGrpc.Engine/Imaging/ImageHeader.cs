namespace StyleGrpc.Engine.Imaging;

/// <summary>
/// What an encoded image's header says, read without decoding a pixel (<see cref="ImageCodec.ReadHeader"/>):
/// enough to refuse an image, size a job and report it before the pixels are decoded.
/// </summary>
/// <param name="Width">Width as displayed, in pixels, after the EXIF orientation is applied.</param>
/// <param name="Height">Height as displayed, in pixels, after the EXIF orientation is applied.</param>
/// <param name="MediaType">The encoded format's MIME type: <c>image/jpeg</c>, <c>image/png</c>, <c>image/webp</c>, <c>image/gif</c> or <c>image/bmp</c>.</param>
/// <param name="Orientation">The EXIF orientation, 1 (upright, also when the file has none) to 8.</param>
/// <param name="ScalesOnDecode">
/// True when the codec decodes directly to a smaller size (JPEG's DCT scaling, WebP), so
/// <see cref="ImageCodec.Decode(ReadOnlySpan{byte}, long, int)"/> never holds the full-size pixels; false
/// when it decodes full size and the caller resizes afterwards (PNG, GIF, BMP).
/// </param>
public sealed record ImageHeader(int Width, int Height, string MediaType, int Orientation, bool ScalesOnDecode)
{
    /// <summary>Width × height as displayed.</summary>
    public long Pixels => (long)Width * Height;
}
