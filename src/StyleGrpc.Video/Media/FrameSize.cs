namespace StyleGrpc.Video.Media;

/// <summary>A frame's size in pixels.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct FrameSize(int Width, int Height)
{
    /// <summary>Bytes of one 8-bit RGB frame of this size: width × height × 3.</summary>
    public int RgbBytes => checked(Width * Height * 3);

    /// <summary>
    /// The size a <paramref name="width"/>×<paramref name="height"/> source is decoded to: shrunk (never enlarged) so its
    /// longer side is at most <paramref name="maxSide"/>, aspect kept to within a pixel or two, then each side rounded
    /// down to an even number (H.264 and VP9 in yuv420p need even sides), at least 2. An odd source side that needs no
    /// shrinking loses its last pixel to this rounding (the scaler squeezes, it does not crop).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, or <paramref name="maxSide"/> below 2.</exception>
    public static FrameSize Fit(int width, int height, int maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 2);
        int w = width, h = height;
        if (Math.Max(width, height) > maxSide)
        {
            if (width >= height)
            {
                w = maxSide;
                h = (int)Math.Round((double)height * maxSide / width);
            }
            else
            {
                h = maxSide;
                w = (int)Math.Round((double)width * maxSide / height);
            }
        }
        return new FrameSize(Math.Max(2, w & ~1), Math.Max(2, h & ~1));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Width}×{Height}";
}
