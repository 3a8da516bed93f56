namespace StyleGrpc.Engine.Imaging;

/// <summary>The image's header declares more pixels than the configured limit; nothing was decoded.</summary>
public sealed class ImageTooLargeException(int width, int height, long maxPixels)
    : StyleTransferException($"image is {width}×{height} = {(long)width * height} pixels, above the limit of {maxPixels}")
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public long MaxPixels { get; } = maxPixels;
}
