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
    /// down to an even number (H.264 and VP9 in yuv420p need even sides) that is also a multiple of
    /// <paramref name="multiple"/> (the sides the stylising network keeps: 16 for the offline ResNet18), at least one such
    /// step. An odd source side that needs no shrinking loses its last pixel to this rounding (the scaler squeezes, it does
    /// not crop).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, <paramref name="maxSide"/> below 2, or
    /// <paramref name="multiple"/> below 1.</exception>
    public static FrameSize Fit(int width, int height, int maxSide, int multiple = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(multiple, 1);
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
        var step = multiple % 2 == 0 ? multiple : 2 * multiple;
        return new FrameSize(Math.Max(step, w / step * step), Math.Max(step, h / step * step));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Width}×{Height}";
}
