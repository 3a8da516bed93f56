namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// The formula of <see cref="TemporalBlend.Blend(Imaging.RgbImage, TemporalGuide, TemporalBlendOptions)"/> and its
/// parameters. The defaults are the server's blend (<see cref="TemporalBlendMode.Plain"/>); the rest serve the benchmark's
/// comparison of variants (<c>--video-blends</c>).
/// </summary>
public sealed record TemporalBlendOptions
{
    /// <summary>The formula. Default <see cref="TemporalBlendMode.Plain"/>.</summary>
    public TemporalBlendMode Mode { get; init; } = TemporalBlendMode.Plain;

    /// <summary>
    /// Radii in pixels of the cascaded box filters that split the image into bands, finest first (band k = level k−1 minus
    /// its box filter of radius k); the last is the low-pass of <see cref="TemporalBlendMode.LowPass"/>. Each ≥ 1.
    /// Default 1, 2, 4.
    /// </summary>
    public IReadOnlyList<int> Radii { get; init; } = [1, 2, 4];

    /// <summary>
    /// The radius of the window a band's local standard deviation is taken over, as a multiple of the band's radius (at least
    /// 1 pixel). Default 2.
    /// </summary>
    public float StatisticsScale { get; init; } = 2;

    /// <summary>The smallest gain applied to a band of the blend. Default 1 (contrast is only restored, never lowered).</summary>
    public float MinGain { get; init; } = 1;

    /// <summary>The largest gain applied to a band of the blend. Default 3.</summary>
    public float MaxGain { get; init; } = 3;

    /// <summary>
    /// The temporal weight of the blend the bands are taken from, when it differs from the guide's (which then only sets
    /// the low-pass part): large = the detail of the warped previous output, carried along the flow. Null (the default):
    /// the guide's.
    /// </summary>
    public double? DetailWeight { get; init; }
}
