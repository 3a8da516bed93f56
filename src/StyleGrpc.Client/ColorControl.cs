namespace StyleGrpc.Client;

/// <summary>Which colours the result has (Gatys et al. 2017, colour control).</summary>
public enum ColorControl
{
    /// <summary>The style's colours.</summary>
    None,

    /// <summary>Luminance from the result, chroma from the photo, after the run (what <see cref="StylizeOptions.KeepOriginalColors"/> does).</summary>
    KeepOriginal,

    /// <summary>Only the luminance is optimised, against the style's luminance matched to the photo's; the colours are the photo's.</summary>
    LuminanceOnly,

    /// <summary>The style image's colours are moved to the photo's mean and covariance before its targets are taken.</summary>
    HistogramMatch,
}
