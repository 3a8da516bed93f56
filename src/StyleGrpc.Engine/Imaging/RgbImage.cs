namespace StyleGrpc.Engine.Imaging;

/// <summary>An 8-bit RGB image, pixels interleaved row by row (R, G, B, R, G, B, …), no alpha.</summary>
public sealed record RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0 || pixels.Length != checked(width * height * 3))
        {
            throw new ArgumentException($"expected {width}×{height}×3 bytes, got {pixels.Length}", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGB bytes, <c>Width × Height × 3</c> of them.</summary>
    public byte[] Pixels { get; }
}
