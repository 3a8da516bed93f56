using OpenCvSharp;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Flow;

/// <summary>
/// Warps a frame by a flow (<c>Cv2.Remap</c>, border pixels replicated): <c>out(x) = image(x + flow(x))</c>.
/// Given the previous stylised frame and the <em>backward</em> flow (from frame t to frame t−1, on frame t's pixels,
/// <see cref="FlowPair.Backward"/>), the result is the previous frame moved into frame t's position, which the temporal
/// loss compares with frame t where <see cref="OcclusionMask"/> says the pixel is reliable.
/// <see cref="Warp"/>, the guides' warp, is bicubic: a video job warps each output into the next frame again and again,
/// and bilinear sampling softens what it carries at every step (on the zooming bench clip the blend at weight 3 kept
/// 0.87× of per-frame's style loss bicubic against 1.20× bilinear, docs/video.md). <see cref="WarpToUnitFloats"/>, the
/// warping error's, stays bilinear, as Lai et al. measure it.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class FrameWarp
{
    /// <summary>The previous frame moved into the current frame's position, bicubic, as 8-bit RGB (values rounded and clamped).</summary>
    /// <param name="previous">Frame t−1 (stylised or not).</param>
    /// <param name="backward">The flow from frame t to frame t−1, on frame t's pixels; its size must be the frame's.</param>
    /// <exception cref="ArgumentException">The flow's size differs from the frame's.</exception>
    public static RgbImage Warp(RgbImage previous, FlowField backward)
    {
        CheckSizes(previous, backward);
        using var source = MatFrames.Wrap(previous);
        using var warped = Remap(source, backward, InterpolationFlags.Cubic);
        using var plane = warped.Reshape(1);
        return new RgbImage(previous.Width, previous.Height, MatFrames.ToArray<byte>(plane));
    }

    /// <summary>As <see cref="Warp"/> but bilinear (the warping error's warp), in floats in [0, 1] (interleaved RGB), without rounding to bytes.</summary>
    public static float[] WarpToUnitFloats(RgbImage previous, FlowField backward)
    {
        CheckSizes(previous, backward);
        using var bytes = MatFrames.Wrap(previous);
        using var source = new Mat();
        bytes.ConvertTo(source, MatType.CV_32FC3, 1.0 / 255);
        using var warped = Remap(source, backward);
        using var plane = warped.Reshape(1);
        return MatFrames.ToArray<float>(plane);
    }

    /// <summary>Samples <paramref name="source"/> at x + flow(x) (bilinear unless told); the caller disposes the result.</summary>
    internal static Mat Remap(Mat source, FlowField flow, InterpolationFlags interpolation = InterpolationFlags.Linear)
    {
        var (mapX, mapY) = MatFrames.Maps(flow);
        using (mapX)
        using (mapY)
        {
            var result = new Mat();
            Cv2.Remap(source, result, mapX, mapY, interpolation, BorderTypes.Replicate);
            return result;
        }
    }

    private static void CheckSizes(RgbImage previous, FlowField backward)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(backward);
        if (previous.Width != backward.Width || previous.Height != backward.Height)
        {
            throw new ArgumentException(
                $"backward is {backward.Width}×{backward.Height}, previous is {previous.Width}×{previous.Height}; they must be one size",
                nameof(backward));
        }
    }
}
