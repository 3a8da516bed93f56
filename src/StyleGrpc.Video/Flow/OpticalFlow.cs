using OpenCvSharp;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Flow;

/// <summary>
/// Dense optical flow between two frames by Farnebäck's polynomial expansion (<c>Cv2.CalcOpticalFlowFarneback</c>; the
/// DIS flow of OpenCV's contrib module is not in this binding), on the frames' grey levels.
/// </summary>
/// <remarks>
/// Parameters chosen for small frames (96–1280 px): a pyramid halving each level down to a coarsest side of about 16 px
/// (at most 5 levels, so motions of tens of pixels are found), a 15 px Gaussian-weighted window, 3 iterations, a
/// degree-5 expansion with σ 1.1. Stateless and thread-safe (OpenCV may use its own threads inside a call).
/// </remarks>
public static class OpticalFlow
{
    private const double PyramidScale = 0.5;
    private const int WindowSize = 15;
    private const int Iterations = 3;
    private const int PolyN = 5;
    private const double PolySigma = 1.1;

    /// <summary>
    /// True when OpenCV's native library loads here (it links against GTK 3 and libatomic besides glibc): a host asks once
    /// before it offers videos.
    /// </summary>
    public static bool IsAvailable()
    {
        try
        {
            return !string.IsNullOrEmpty(Cv2.GetVersionString());
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>The flow from <paramref name="from"/> to <paramref name="to"/>: <c>from(x) ≈ to(x + flow(x))</c>, on <paramref name="from"/>'s pixels.</summary>
    /// <exception cref="ArgumentException">The frames differ in size.</exception>
    public static FlowField Compute(RgbImage from, RgbImage to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Width != to.Width || from.Height != to.Height)
        {
            throw new ArgumentException($"to is {to.Width}×{to.Height}, from is {from.Width}×{from.Height}; flow needs one size", nameof(to));
        }
        using var a = MatFrames.Grey(from);
        using var b = MatFrames.Grey(to);
        return Compute(a, b);
    }

    /// <summary>Both flows between consecutive frames: forward (previous → current) and backward (current → previous).</summary>
    /// <param name="previous">Frame t−1.</param>
    /// <param name="current">Frame t.</param>
    /// <param name="scale">
    /// The size the flow is found at, as a fraction of the frames' (0 &lt; scale ≤ 1): below 1 the grey frames are shrunk by
    /// area averaging, the flow is found there and brought back to the frames' size (bilinear, vectors divided by the
    /// scale). ½ costs about a quarter of full size; 1 (the default) works on the frames as they are.
    /// </param>
    /// <exception cref="ArgumentException">The frames differ in size.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not in (0, 1].</exception>
    public static FlowPair ComputeBoth(RgbImage previous, RgbImage current, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        if (previous.Width != current.Width || previous.Height != current.Height)
        {
            throw new ArgumentException(
                $"current is {current.Width}×{current.Height}, previous is {previous.Width}×{previous.Height}; flow needs one size", nameof(current));
        }
        if (!(scale > 0 && scale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "must be in (0, 1]");
        }
        using var a = MatFrames.Grey(previous);
        using var b = MatFrames.Grey(current);
        var size = new Size(Math.Max(1, (int)Math.Round(previous.Width * scale)), Math.Max(1, (int)Math.Round(previous.Height * scale)));
        if (size.Width == previous.Width && size.Height == previous.Height)
        {
            return new FlowPair(Compute(a, b), Compute(b, a));
        }
        using var smallA = new Mat();
        using var smallB = new Mat();
        Cv2.Resize(a, smallA, size, interpolation: InterpolationFlags.Area);
        Cv2.Resize(b, smallB, size, interpolation: InterpolationFlags.Area);
        return new FlowPair(Enlarge(Compute(smallA, smallB), previous.Width, previous.Height),
            Enlarge(Compute(smallB, smallA), previous.Width, previous.Height));
    }

    /// <summary>The pyramid levels for a frame: halve until the shorter side is about 16 px, 1 to 5 levels.</summary>
    internal static int Levels(int width, int height) => Math.Clamp((int)Math.Floor(Math.Log2(Math.Min(width, height) / 16.0)), 1, 5);

    // A flow found on shrunk frames, at the frames' size: each plane resized bilinearly, its vectors scaled by the size ratio.
    private static FlowField Enlarge(FlowField flow, int width, int height)
    {
        float[] Plane(float[] values, double factor)
        {
            using var small = MatFrames.Wrap(values, flow.Width, flow.Height);
            using var large = new Mat();
            Cv2.Resize(small, large, new Size(width, height), interpolation: InterpolationFlags.Linear);
            using var scaled = large * factor;
            using var result = scaled.ToMat();
            return MatFrames.ToArray<float>(result);
        }
        return new FlowField(width, height, Plane(flow.Dx, (double)width / flow.Width), Plane(flow.Dy, (double)height / flow.Height));
    }

    private static FlowField Compute(Mat from, Mat to)
    {
        using var flow = new Mat();
        Cv2.CalcOpticalFlowFarneback(from, to, flow, PyramidScale, Levels(from.Width, from.Height), WindowSize, Iterations,
            PolyN, PolySigma, OpticalFlowFlags.FarnebackGaussian);
        var vectors = MatFrames.ToArray<Vec2f>(flow);
        var dx = new float[vectors.Length];
        var dy = new float[vectors.Length];
        for (var i = 0; i < vectors.Length; i++)
        {
            dx[i] = vectors[i].Item0;
            dy[i] = vectors[i].Item1;
        }
        return new FlowField(from.Width, from.Height, dx, dy);
    }
}
