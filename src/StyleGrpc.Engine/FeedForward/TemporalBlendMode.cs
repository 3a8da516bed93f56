namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// The formulas <see cref="TemporalBlend"/> can mix the network's output with the warped previous output by; m is the guide's
/// reliability, α = <see cref="TemporalBlend.Alpha"/>(weight). <see cref="Plain"/> is the server's; the others are kept for the
/// benchmark's comparison (<c>--video-blends</c>): none meets the flicker and style targets together on the pan clip
/// (docs/video.md, "Measured").
/// </summary>
public enum TemporalBlendMode
{
    /// <summary>
    /// <c>m·α·warped + (1 − m·α)·current</c> per pixel and channel, the default. Averaging two textures that are not aligned
    /// (a panning, zooming shot: the network is not equivariant to it) lowers their contrast, and the recursion compounds it.
    /// </summary>
    Plain,

    /// <summary>
    /// The plain blend B split into bands (differences of cascaded box filters, <see cref="TemporalBlendOptions.Radii"/>),
    /// each band's detail rescaled by the ratio of the local standard deviations of the network's output's band and the
    /// blend's (clamped to [<see cref="TemporalBlendOptions.MinGain"/>, <see cref="TemporalBlendOptions.MaxGain"/>]),
    /// after Heitz and Neyret's variance-preserving blending: where the two textures agree the gain is 1.
    /// </summary>
    ContrastPreserving,

    /// <summary>
    /// <c>current + m·α·L(warped − current)</c>, L a box filter of the coarsest radius: only the low-pass part of the
    /// difference is blended, the network's detail is kept as it is.
    /// </summary>
    LowPass,

    /// <summary>
    /// As <see cref="ContrastPreserving"/> with the fixed gain <c>1/sqrt(a² + (1 − a)²)</c>, a = m·α: right for two
    /// uncorrelated textures, too strong where they agree (static regions), and the recursion compounds it.
    /// </summary>
    VarianceFormula,
}
