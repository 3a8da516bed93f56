using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Video with a feed-forward network: steadies frame t by blending the network's output with the previous output warped
/// to it where the flow is reliable, <c>out = m·α·warped + (1 − m·α)·current</c> per pixel and channel, m the guide's
/// reliability (<see cref="TemporalBlendMode.Plain"/>, what the server does). Plain arrays, no tensors: cheap next to the
/// network's pass.
/// </summary>
/// <remarks>
/// The previous output was itself blended, so along a reliable flow the result is an exponential moving average with
/// factor α: the stylisation of a static region settles over about 1/(1 − α) frames, and occlusions (m = 0) show the
/// network's own output at once. On a panning, zooming shot the network's textures of consecutive frames do not align, and
/// the average loses their contrast (the benchmark's pan clip: style loss +259 % at w = 1). The other
/// <see cref="TemporalBlendMode"/>s, which restore that contrast or blend only the low-pass part, were measured against it
/// and none met the flicker and style targets together on the pan (docs/video.md); the benchmark compares them with
/// <c>--video-blends</c>.
/// </remarks>
public static class TemporalBlend
{
    // A floor on the local variances (squared 0–255 levels), so flat regions get a gain near 1, not the ratio of two noises.
    private const float VarianceFloor = 1;

    private static readonly TemporalBlendOptions Defaults = new();

    /// <summary>
    /// The blend factor α of a temporal weight w ≥ 0: <c>α = w / (1 + w)</c>. 0 → 0 (the network's output alone),
    /// 1 (the default) → ½, 3 → ¾, ∞ → 1 (the warped previous output wherever it is reliable).
    /// </summary>
    public static double Alpha(double temporalWeight) => double.IsPositiveInfinity(temporalWeight) ? 1 : temporalWeight / (1 + temporalWeight);

    /// <summary>
    /// <paramref name="current"/> (the network's output for this frame) blended with <paramref name="guide"/>'s warped previous
    /// output, α = <see cref="Alpha"/>(<see cref="TemporalGuide.Weight"/>), each value rounded to the nearest byte: the
    /// <see cref="TemporalBlendMode.Plain"/> blend, as the server makes it.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">The guide does not fit <paramref name="current"/> (<see cref="TemporalGuide.EnsureFits"/>).</exception>
    public static RgbImage Blend(RgbImage current, TemporalGuide guide) => Blend(current, guide, Defaults);

    /// <summary>
    /// As <see cref="Blend(RgbImage, TemporalGuide)"/> with the formula and parameters of <paramref name="options"/>; values
    /// are rounded to the nearest byte and clamped to 0–255.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">The guide does not fit <paramref name="current"/> (<see cref="TemporalGuide.EnsureFits"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> has no radius, or one below 1.</exception>
    public static RgbImage Blend(RgbImage current, TemporalGuide guide, TemporalBlendOptions options)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(guide);
        ArgumentNullException.ThrowIfNull(options);
        guide.EnsureFits(current.Width, current.Height);
        if (options.Radii.Count == 0 || options.Radii.Any(r => r < 1))
        {
            throw new ArgumentException("Radii must hold at least one radius, each ≥ 1", nameof(options));
        }
        var alpha = (float)Alpha(guide.Weight);
        return options.Mode switch
        {
            TemporalBlendMode.Plain => Plain(current, guide, alpha),
            TemporalBlendMode.LowPass => LowPass(current, guide, alpha, options),
            TemporalBlendMode.ContrastPreserving or TemporalBlendMode.VarianceFormula => Banded(current, guide, alpha, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "unknown blend mode"),
        };
    }

    private static RgbImage Plain(RgbImage current, TemporalGuide guide, float alpha)
    {
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

    private static RgbImage LowPass(RgbImage current, TemporalGuide guide, float alpha, TemporalBlendOptions options)
    {
        var (width, height, n) = (current.Width, current.Height, current.Width * current.Height);
        var (now, before, weights) = (current.Pixels, guide.Warped.Pixels, guide.Weights);
        var (difference, scratch, row) = (new float[n], new float[n], new float[width]);
        var output = new float[3 * n];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < n; i++)
            {
                difference[i] = before[3 * i + c] - now[3 * i + c];
            }
            foreach (var radius in options.Radii)
            {
                Box(difference, difference, scratch, row, width, height, radius);
            }
            for (var i = 0; i < n; i++)
            {
                output[3 * i + c] = now[3 * i + c] + weights[i] * alpha * difference[i];
            }
        }
        return ToImage(width, height, output);
    }

    // The α-blend's low-pass part (the whole cascade), plus each band of the detail blend times its gain.
    private static RgbImage Banded(RgbImage current, TemporalGuide guide, float alpha, TemporalBlendOptions options)
    {
        var (width, height, n) = (current.Width, current.Height, current.Width * current.Height);
        var (now, before, weights) = (current.Pixels, guide.Warped.Pixels, guide.Weights);
        var detailAlpha = options.DetailWeight is { } detailWeight ? (float)Alpha(detailWeight) : alpha;
        var (scratch, row) = (new float[n], new float[width]);
        var output = new float[3][];
        var detail = new float[3][];
        var own = new float[3][];
        var detailBand = new float[3][];
        var ownBand = new float[3][];
        for (var c = 0; c < 3; c++)
        {
            (output[c], detail[c], own[c], detailBand[c], ownBand[c]) = (new float[n], new float[n], new float[n], new float[n], new float[n]);
            for (var i = 0; i < n; i++)
            {
                var (value, difference) = (now[3 * i + c], before[3 * i + c] - now[3 * i + c]);
                output[c][i] = value + weights[i] * alpha * difference;
                detail[c][i] = value + weights[i] * detailAlpha * difference;
                own[c][i] = value;
            }
            foreach (var radius in options.Radii)
            {
                Box(output[c], output[c], scratch, row, width, height, radius);
            }
        }
        var (detailVariance, ownVariance) = (new float[n], new float[n]);
        foreach (var radius in options.Radii)
        {
            for (var c = 0; c < 3; c++)
            {
                Split(detail[c], detailBand[c], scratch, row, width, height, radius);
                Split(own[c], ownBand[c], scratch, row, width, height, radius);
            }
            if (options.Mode == TemporalBlendMode.ContrastPreserving)
            {
                LocalVariance(detailBand, detailVariance, scratch, row, width, height, options.StatisticsScale, radius);
                LocalVariance(ownBand, ownVariance, scratch, row, width, height, options.StatisticsScale, radius);
            }
            for (var i = 0; i < n; i++)
            {
                var share = weights[i] * detailAlpha;
                var gain = options.Mode == TemporalBlendMode.ContrastPreserving
                    ? Math.Clamp(MathF.Sqrt((ownVariance[i] + VarianceFloor) / (detailVariance[i] + VarianceFloor)), options.MinGain, options.MaxGain)
                    : Math.Min(options.MaxGain, 1 / MathF.Sqrt(share * share + (1 - share) * (1 - share)));
                for (var c = 0; c < 3; c++)
                {
                    output[c][i] += gain * detailBand[c][i];
                }
            }
        }
        var values = new float[3 * n];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < n; i++)
            {
                values[3 * i + c] = output[c][i];
            }
        }
        return ToImage(width, height, values);
    }

    // level → its box filter (the next level), band = level − that.
    private static void Split(float[] level, float[] band, float[] scratch, float[] row, int width, int height, int radius)
    {
        Array.Copy(level, band, level.Length);
        Box(level, level, scratch, row, width, height, radius);
        for (var i = 0; i < band.Length; i++)
        {
            band[i] -= level[i];
        }
    }

    // The box-filtered squares of a band, summed over the channels: one variance per pixel, so one gain for R, G and B.
    private static void LocalVariance(float[][] band, float[] variance, float[] scratch, float[] row, int width, int height, float scale, int radius)
    {
        for (var i = 0; i < variance.Length; i++)
        {
            variance[i] = band[0][i] * band[0][i] + band[1][i] * band[1][i] + band[2][i] * band[2][i];
        }
        Box(variance, variance, scratch, row, width, height, Math.Max(1, (int)MathF.Round(scale * radius)));
    }

    private static RgbImage ToImage(int width, int height, float[] values)
    {
        var pixels = new byte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            pixels[i] = (byte)Math.Clamp(MathF.Round(values[i], MidpointRounding.AwayFromZero), 0, 255);
        }
        return new RgbImage(width, height, pixels);
    }

    // The mean over the (2r+1)² window around each pixel, clipped at the borders: separable running sums, O(pixels) for any
    // radius; source → scratch along rows, scratch → target along columns (target may be source).
    private static void Box(float[] source, float[] target, float[] scratch, float[] row, int width, int height, int radius)
    {
        for (var y = 0; y < height; y++)
        {
            var offset = y * width;
            var sum = 0f;
            for (var x = 0; x <= Math.Min(radius, width - 1); x++)
            {
                sum += source[offset + x];
            }
            for (var x = 0; x < width; x++)
            {
                scratch[offset + x] = sum / (Math.Min(width - 1, x + radius) - Math.Max(0, x - radius) + 1);
                if (x + radius + 1 < width)
                {
                    sum += source[offset + x + radius + 1];
                }
                if (x - radius >= 0)
                {
                    sum -= source[offset + x - radius];
                }
            }
        }
        Array.Clear(row);
        for (var y = 0; y <= Math.Min(radius, height - 1); y++)
        {
            for (var x = 0; x < width; x++)
            {
                row[x] += scratch[y * width + x];
            }
        }
        for (var y = 0; y < height; y++)
        {
            var count = (float)(Math.Min(height - 1, y + radius) - Math.Max(0, y - radius) + 1);
            for (var x = 0; x < width; x++)
            {
                target[y * width + x] = row[x] / count;
            }
            if (y + radius + 1 < height)
            {
                for (var x = 0; x < width; x++)
                {
                    row[x] += scratch[(y + radius + 1) * width + x];
                }
            }
            if (y - radius >= 0)
            {
                for (var x = 0; x < width; x++)
                {
                    row[x] -= scratch[(y - radius) * width + x];
                }
            }
        }
    }
}
