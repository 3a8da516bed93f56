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
    /// <exception cref="ArgumentException">The frames differ in size.</exception>
    public static FlowPair ComputeBoth(RgbImage previous, RgbImage current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        if (previous.Width != current.Width || previous.Height != current.Height)
        {
            throw new ArgumentException(
                $"current is {current.Width}×{current.Height}, previous is {previous.Width}×{previous.Height}; flow needs one size", nameof(current));
        }
        using var a = MatFrames.Grey(previous);
        using var b = MatFrames.Grey(current);
        return new FlowPair(Compute(a, b), Compute(b, a));
    }

    /// <summary>The pyramid levels for a frame: halve until the shorter side is about 16 px, 1 to 5 levels.</summary>
    internal static int Levels(int width, int height) => Math.Clamp((int)Math.Floor(Math.Log2(Math.Min(width, height) / 16.0)), 1, 5);

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
