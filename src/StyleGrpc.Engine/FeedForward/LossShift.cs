using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Where a feed-forward training's loss network sees the picture (<see cref="FeedForwardTrainingOptions.ShiftedLoss"/>): the
/// network's output and the photos, both moved by one random offset of 0–4 px in each direction, sub-pixel, before the
/// loss. The loss network downsamples by 4 before its first style layer and its style measure charges any resampling of the
/// finest pixel pattern (a half-pixel move of a trained network's output: +243 % shift-averaged, docs/video.md); a network
/// trained at one fixed position relative to that grid learns strokes that score only there, and which a video's warps
/// (every zoom and sub-pixel pan) cannot keep. Moved at random, the loss rewards only style that survives moving.
/// </summary>
internal static class LossShift
{
    /// <summary>The largest offset, in pixels (exclusive): the loss network's stride.</summary>
    public const int Range = 4;

    /// <summary>
    /// <paramref name="images"/> (N×C×H×W) moved by (−<paramref name="dx"/>, −<paramref name="dy"/>), i.e. sampled at
    /// x + d, d in [0, <see cref="Range"/>), bilinear: each side shorter by <see cref="Range"/> + 1 pixels, so every sample
    /// lies inside. In the caller's dispose scope; gradients flow through.
    /// </summary>
    public static Tensor Apply(Tensor images, double dx, double dy)
    {
        if (dx is < 0 or >= Range || dy is < 0 or >= Range)
        {
            throw new ArgumentOutOfRangeException(nameof(dx), $"offsets must be in [0, {Range}); got ({dx}, {dy})");
        }
        var (height, width) = (images.shape[2] - Range - 1, images.shape[3] - Range - 1);
        var (x0, y0) = ((int)Math.Floor(dx), (int)Math.Floor(dy));
        var (fx, fy) = (dx - x0, dy - y0);
        Tensor At(int x, int y) => images.narrow(2, y, height).narrow(3, x, width);
        return Mix(Mix(At(x0, y0), At(x0 + 1, y0), fx), Mix(At(x0, y0 + 1), At(x0 + 1, y0 + 1), fx), fy);
    }

    // (1 − f)·a + f·b.
    private static Tensor Mix(Tensor a, Tensor b, double f)
    {
        using var keep = (1 - f).ToScalar();
        using var take = f.ToScalar();
        return a.mul(keep).Plus(b.mul(take));
    }
}
