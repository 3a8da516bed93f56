namespace StyleGrpc.Video.Flow;

/// <summary>
/// A dense optical flow from an image A to an image B of the same size: for each pixel x of A,
/// <c>A(x) ≈ B(x + (Dx[i], Dy[i]))</c>, with <c>i = y × Width + x</c>, in pixels (x to the right, y down). Planar
/// (two row-major planes, not interleaved) so each plane maps directly onto a tensor's <c>[H, W]</c> slice.
/// </summary>
/// <remarks>
/// Naming used throughout: for consecutive frames t−1 and t, the <em>forward</em> flow goes from t−1 to t and lives on
/// frame t−1's pixels; the <em>backward</em> flow goes from t to t−1 and lives on frame t's pixels. Warping the previous
/// (stylised) frame into frame t's position uses the backward flow (<see cref="FrameWarp"/>). Immutable in use: the
/// arrays are the caller's, not copied; do not change them while another thread reads the field.
/// </remarks>
public sealed class FlowField
{
    /// <summary>Creates a flow field over <paramref name="dx"/> and <paramref name="dy"/> (not copied).</summary>
    /// <exception cref="ArgumentException">A size is not positive or a plane does not hold width × height values.</exception>
    public FlowField(int width, int height, float[] dx, float[] dy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentNullException.ThrowIfNull(dy);
        var count = checked(width * height);
        if (dx.Length != count)
        {
            throw new ArgumentException($"dx must hold {width}×{height} = {count} values (got {dx.Length})", nameof(dx));
        }
        if (dy.Length != count)
        {
            throw new ArgumentException($"dy must hold {width}×{height} = {count} values (got {dy.Length})", nameof(dy));
        }
        Width = width;
        Height = height;
        Dx = dx;
        Dy = dy;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Horizontal displacement of each pixel, pixels, row-major.</summary>
    public float[] Dx { get; }

    /// <summary>Vertical displacement of each pixel, pixels, row-major.</summary>
    public float[] Dy { get; }

    /// <summary>The mean displacement over all pixels, pixels (a pan's shift, for instance).</summary>
    public (double Dx, double Dy) Mean() => (Dx.Average(v => (double)v), Dy.Average(v => (double)v));
}
