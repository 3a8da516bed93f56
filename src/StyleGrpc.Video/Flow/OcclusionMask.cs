using OpenCvSharp;

namespace StyleGrpc.Video.Flow;

/// <summary>
/// Where a warped previous frame can be trusted, as Ruder, Dosovitskiy and Brox ("Artistic style transfer for videos",
/// 2016) compute it: 1 for a reliable pixel of frame t, 0 for one disoccluded, on a motion boundary, or whose flow
/// leaves the frame.
/// </summary>
/// <remarks>
/// With w the backward flow (frame t → t−1, on frame t's pixels) and ŵ the forward flow (t−1 → t) sampled bilinearly at
/// x + w(x), a pixel x of frame t is reliable when
/// <list type="bullet">
/// <item>x + w(x) lies inside frame t−1;</item>
/// <item>the two flows agree: |w(x) + ŵ(x + w(x))|² ≤ 0.01 (|w(x)|² + |ŵ(x + w(x))|²) + 0.5;</item>
/// <item>it is not on a motion boundary: |∇u|² + |∇v|² ≤ 0.01 |w(x)|² + 0.002, with (u, v) = w and central differences.</item>
/// </list>
/// Stateless and thread-safe.
/// </remarks>
public static class OcclusionMask
{
    /// <summary>The reliability weights of frame t's pixels, row-major, width × height values of 0 or 1.</summary>
    /// <param name="backward">The flow from frame t to t−1 (<see cref="FlowPair.Backward"/>).</param>
    /// <param name="forward">The flow from frame t−1 to t (<see cref="FlowPair.Forward"/>).</param>
    /// <exception cref="ArgumentException">The flows differ in size.</exception>
    public static float[] Compute(FlowField backward, FlowField forward)
    {
        ArgumentNullException.ThrowIfNull(backward);
        ArgumentNullException.ThrowIfNull(forward);
        if (backward.Width != forward.Width || backward.Height != forward.Height)
        {
            throw new ArgumentException(
                $"forward is {forward.Width}×{forward.Height}, backward is {backward.Width}×{backward.Height}; they must be one size", nameof(forward));
        }
        int width = backward.Width, height = backward.Height;
        var (forwardXAt, forwardYAt) = SampleAlong(forward, backward);
        var u = backward.Dx;
        var v = backward.Dy;
        var mask = new float[u.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = y * width + x;
                float tx = x + u[i], ty = y + v[i];
                if (tx < 0 || ty < 0 || tx > width - 1 || ty > height - 1)
                {
                    continue;
                }
                double wx = u[i], wy = v[i], fx = forwardXAt[i], fy = forwardYAt[i];
                double sumX = wx + fx, sumY = wy + fy;
                var lengths = wx * wx + wy * wy;
                if (sumX * sumX + sumY * sumY > 0.01 * (lengths + fx * fx + fy * fy) + 0.5)
                {
                    continue;
                }
                var gradient = Gradient2(u, x, y, width, height) + Gradient2(v, x, y, width, height);
                if (gradient > 0.01 * lengths + 0.002)
                {
                    continue;
                }
                mask[i] = 1;
            }
        }
        return mask;
    }

    /// <summary>The forward flow's two planes sampled at x + backward(x).</summary>
    private static (float[] X, float[] Y) SampleAlong(FlowField forward, FlowField backward)
    {
        using var forwardX = MatFrames.Wrap(forward.Dx, forward.Width, forward.Height);
        using var forwardY = MatFrames.Wrap(forward.Dy, forward.Width, forward.Height);
        using var sampledX = FrameWarp.Remap(forwardX, backward);
        using var sampledY = FrameWarp.Remap(forwardY, backward);
        return (MatFrames.ToArray<float>(sampledX), MatFrames.ToArray<float>(sampledY));
    }

    /// <summary>|∇p|² at (x, y): central differences inside, one-sided at the borders.</summary>
    private static double Gradient2(float[] plane, int x, int y, int width, int height)
    {
        var row = y * width;
        var left = Math.Max(x - 1, 0);
        var right = Math.Min(x + 1, width - 1);
        var up = Math.Max(y - 1, 0);
        var down = Math.Min(y + 1, height - 1);
        double gx = right == left ? 0 : (plane[row + right] - plane[row + left]) / (double)(right - left);
        double gy = down == up ? 0 : (plane[down * width + x] - plane[up * width + x]) / (double)(down - up);
        return gx * gx + gy * gy;
    }
}
