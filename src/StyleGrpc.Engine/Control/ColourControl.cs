namespace StyleGrpc.Engine.Control;

/// <summary>Which colours a result has (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", colour control).</summary>
public enum ColourControl
{
    /// <summary>The style's colours (the plain algorithm).</summary>
    None = 0,

    /// <summary>After the run, luminance from the result and chroma from the photo (YUV); what <see cref="StyleTransferOptions.KeepOriginalColours"/> does.</summary>
    KeepOriginal = 1,

    /// <summary>
    /// Only luminance is optimised: the run sees the photo's luminance as a grey image and style targets of the style's
    /// luminance matched to the photo's luminance mean and variance; the result's luminance is recombined with the photo's
    /// chroma (YUV).
    /// </summary>
    LuminanceOnly = 2,

    /// <summary>The style image's colours are moved to the photo's colour mean and covariance before its targets are taken.</summary>
    HistogramMatch = 3,
}
