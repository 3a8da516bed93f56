namespace StyleGrpc.Engine;

/// <summary>Where the optimised image starts.</summary>
public enum InitKind
{
    /// <summary>The content image (the original write-up's choice).</summary>
    Content,

    /// <summary>Uniform noise in [0, 1], from <see cref="StyleTransferOptions.Seed"/>.</summary>
    Noise,

    /// <summary>The content image mixed with noise: (1 − r)·content + r·noise, r = <see cref="StyleTransferOptions.InitNoiseRatio"/>.</summary>
    Blend,

    /// <summary>
    /// A given start image (a style's feed-forward network's output), passed to the run as its <c>start</c> and scaled to
    /// each level's size: optimisation refines a finished-looking picture. A video frame with a temporal guide and no start
    /// starts from the previous frame's output warped to it (<see cref="TemporalGuide.Warped"/>).
    /// </summary>
    FeedForward,
}
