using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.Control;

/// <summary>
/// The colour transforms of <see cref="ColourControl"/> on 8-bit images, in one place: what the run optimises instead of
/// the photo, what the style image becomes before its targets are taken, and whether the result takes the photo's chroma.
/// Pure managed code on 3×3 statistics (no tensors): a style image is transformed once per job.
/// </summary>
public static class ColourTransfer
{
    // BT.601 luma weights (the same Y as ImageTensor's YUV).
    private const double Red = 0.299, Green = 0.587, Blue = 0.114;

    /// <summary>The colour control a run applies: <see cref="StyleTransferOptions.KeepOriginalColours"/> is an alias of <see cref="ColourControl.KeepOriginal"/>.</summary>
    public static ColourControl Effective(StyleTransferOptions options) =>
        options.KeepOriginalColours && options.ColourControl == ColourControl.None ? ColourControl.KeepOriginal : options.ColourControl;

    /// <summary>Whether the result takes the photo's chroma after the run (keep-original and luminance-only).</summary>
    public static bool KeepsPhotoChroma(ColourControl control) => control is ColourControl.KeepOriginal or ColourControl.LuminanceOnly;

    /// <summary>Whether the style's targets depend on the photo (so a registered style's stored targets cannot serve).</summary>
    public static bool TargetsDependOnPhoto(ColourControl control) => control is ColourControl.LuminanceOnly or ColourControl.HistogramMatch;

    /// <summary>The image the run optimises against as its content: the photo's luminance as grey for luminance-only, else the photo.</summary>
    public static RgbImage ContentForRun(RgbImage photo, ColourControl control) =>
        control == ColourControl.LuminanceOnly ? Grey(photo, 1, 0) : photo;

    /// <summary>
    /// The style image as its targets are taken under <paramref name="control"/>: luminance-only gives its luminance with the
    /// photo's luminance mean and standard deviation, as grey; histogram matching gives its colours moved to the photo's
    /// colour mean and covariance; otherwise the image as it is.
    /// </summary>
    public static RgbImage StyleForTargets(RgbImage style, RgbImage photo, ColourControl control) => control switch
    {
        ColourControl.LuminanceOnly => MatchLuminance(style, photo),
        ColourControl.HistogramMatch => MatchHistogram(style, photo),
        _ => style,
    };

    /// <summary>The style's luminance with the photo's luminance mean and standard deviation, as a grey image.</summary>
    public static RgbImage MatchLuminance(RgbImage style, RgbImage photo)
    {
        var (styleMean, styleDeviation) = LuminanceStatistics(style);
        var (photoMean, photoDeviation) = LuminanceStatistics(photo);
        var gain = styleDeviation > 1e-6 ? photoDeviation / styleDeviation : 1;
        return Grey(style, gain, photoMean - gain * styleMean);
    }

    /// <summary>
    /// The style's colours moved to the photo's colour mean and covariance by the affine map x ↦ A(x − μs) + μc with
    /// A = Lc·Ls⁻¹ (Cholesky factors of the two covariances, so A·Σs·Aᵀ = Σc exactly before rounding and clipping to 0–255).
    /// </summary>
    public static RgbImage MatchHistogram(RgbImage style, RgbImage photo)
    {
        var (styleMean, styleCovariance) = ColourStatistics.Of(style);
        var (photoMean, photoCovariance) = ColourStatistics.Of(photo);
        var a = Matrix3.Multiply(Matrix3.Cholesky(photoCovariance), Matrix3.InverseLower(Matrix3.Cholesky(styleCovariance)));
        var pixels = new byte[style.Pixels.Length];
        var source = style.Pixels;
        for (var i = 0; i < source.Length; i += 3)
        {
            double r = source[i] - styleMean[0], g = source[i + 1] - styleMean[1], b = source[i + 2] - styleMean[2];
            for (var c = 0; c < 3; c++)
            {
                pixels[i + c] = ToByte(a[c * 3] * r + a[c * 3 + 1] * g + a[c * 3 + 2] * b + photoMean[c]);
            }
        }
        return new RgbImage(style.Width, style.Height, pixels);
    }

    /// <summary>Mean and standard deviation of an image's luminance, on the 0–255 scale.</summary>
    public static (double Mean, double Deviation) LuminanceStatistics(RgbImage image)
    {
        double sum = 0, squares = 0;
        var p = image.Pixels;
        for (var i = 0; i < p.Length; i += 3)
        {
            var y = Red * p[i] + Green * p[i + 1] + Blue * p[i + 2];
            sum += y;
            squares += y * y;
        }
        var n = p.Length / 3;
        var mean = sum / n;
        return (mean, Math.Sqrt(Math.Max(0, squares / n - mean * mean)));
    }

    // Luminance × gain + offset as grey RGB.
    private static RgbImage Grey(RgbImage image, double gain, double offset)
    {
        var p = image.Pixels;
        var pixels = new byte[p.Length];
        for (var i = 0; i < p.Length; i += 3)
        {
            var y = ToByte((Red * p[i] + Green * p[i + 1] + Blue * p[i + 2]) * gain + offset);
            pixels[i] = pixels[i + 1] = pixels[i + 2] = y;
        }
        return new RgbImage(image.Width, image.Height, pixels);
    }

    private static byte ToByte(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
