using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Video with a feed-forward network: steadies frame t by blending the network's output with the previous output warped
/// to it where the flow is reliable, <c>out = m·α·warped + (1 − m·α)·current</c> per pixel and channel, m the guide's
/// reliability. Plain arrays, no tensors: cheap next to the network's pass.
/// </summary>
/// <remarks>
/// The previous output was itself blended, so along a reliable flow the result is an exponential moving average with
/// factor α: the stylisation of a static region settles over about 1/(1 − α) frames, and occlusions (m = 0) show the
/// network's own output at once.
/// </remarks>
public static class TemporalBlend
{
    /// <summary>
    /// The blend factor α of a temporal weight w ≥ 0: <c>α = w / (1 + w)</c>. 0 → 0 (the network's output alone),
    /// 1 (the default) → ½, 3 → ¾, ∞ → 1 (the warped previous output wherever it is reliable).
    /// </summary>
    public static double Alpha(double temporalWeight) => double.IsPositiveInfinity(temporalWeight) ? 1 : temporalWeight / (1 + temporalWeight);

    /// <summary>
    /// <paramref name="current"/> (the network's output for this frame) blended with <paramref name="guide"/>'s warped previous
    /// output, α = <see cref="Alpha"/>(<see cref="TemporalGuide.Weight"/>), each value rounded to the nearest byte.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">The guide does not fit <paramref name="current"/> (<see cref="TemporalGuide.EnsureFits"/>).</exception>
    public static RgbImage Blend(RgbImage current, TemporalGuide guide)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(guide);
        guide.EnsureFits(current.Width, current.Height);
        var alpha = (float)Alpha(guide.Weight);
        var (now, before, weights) = (current.Pixels, guide.Warped.Pixels, guide.Weights);
        var pixels = new byte[now.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            var share = weights[i] * alpha;
            for (var c = 3 * i; c < 3 * i + 3; c++)
            {
                pixels[c] = (byte)MathF.Round(now[c] + share * (before[c] - now[c]), MidpointRounding.AwayFromZero);
            }
        }
        return new RgbImage(current.Width, current.Height, pixels);
    }
}
