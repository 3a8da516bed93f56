using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>
/// The optional inputs of one run of a plan (see
/// <see cref="StyleTransferEngine.Run(RgbImage, IReadOnlyList{StyleTargets}, RunPlan, RunInputs?, CancellationToken)"/>):
/// regions painted with other styles, where progress goes, checkpointing, a feed-forward start image and a video frame's temporal guide. Every property
/// defaults to "none", so <c>new RunInputs()</c> (or passing null) runs the plan plainly.
/// </summary>
public sealed record RunInputs
{
    /// <summary>
    /// Regions painted with their own styles (guided Gram matrices): one per region of the plan's
    /// <see cref="StyleTransferOptions.Regions"/>, in that order. Pixels no region covers follow the run's level targets.
    /// Default: empty (no regions).
    /// </summary>
    public IReadOnlyList<StyleRegion> Regions { get; init; } = [];

    /// <summary>
    /// Called on the run's thread after every iteration (on a worker thread it must not block: hand the progress on).
    /// Default: null (no progress reported).
    /// </summary>
    public Action<StyleTransferProgress>? OnProgress { get; init; }

    /// <summary>
    /// How the run takes part in checkpointing: resuming from a checkpoint (the iterations before it are not repeated;
    /// progress numbers and the clock continue from it) and handing out checkpoints when asked and at every level boundary.
    /// Its callbacks run on the run's thread. Default: null (no resume, no checkpoints).
    /// </summary>
    public RunCheckpointing? Checkpointing { get; init; }

    /// <summary>
    /// The start image of an <see cref="InitKind.FeedForward"/> plan (typically the style's feed-forward result for the
    /// content): scaled to the first level's size, it is the first level's starting image. Required by such plans; other
    /// inits ignore it. Default: null.
    /// </summary>
    public RgbImage? Start { get; init; }

    /// <summary>
    /// Video: the temporal guide of a frame after the first (the previous frame's output warped to this one and where that
    /// warp is reliable). Its size must be the content image's. With it the loss gains Ruder et al.'s short-term temporal
    /// term at every level, and an <see cref="InitKind.FeedForward"/> plan without <see cref="Start"/> starts from
    /// <see cref="TemporalGuide.Warped"/>. Default: null (no temporal term).
    /// </summary>
    public TemporalGuide? Temporal { get; init; }
}
