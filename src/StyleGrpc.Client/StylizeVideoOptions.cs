namespace StyleGrpc.Client;

/// <summary>
/// Options of <see cref="StyleGrpcClient.StylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, IProgress{VideoProgress}?, DateTime?, CancellationToken)"/> and <see cref="StyleGrpcClient.SubmitStylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, CancellationToken)"/>; null = the
/// server's default. Each frame is stylised as a picture would be (docs/video.md), starting from the previous stylised frame warped by
/// the optical flow. Previews, tiling, coarse-to-fine and regions do not apply to video.
/// </summary>
public sealed record StylizeVideoOptions
{
    /// <summary>Longer side of each output frame, in pixels; null = min(512, the video's own), at most the server's video <c>max_side</c>.</summary>
    public int? MaxSide { get; init; }

    /// <summary>Most optimisation iterations per frame; null = the server's default.</summary>
    public int? IterationsPerFrame { get; init; }

    /// <summary>
    /// How each frame is made; null = the server decides (feed-forward when the registered style has a ready network, else
    /// optimisation).
    /// </summary>
    public StylizeMethod? Method { get; init; }

    /// <summary>The optimiser of each frame; null = the server's default.</summary>
    public OptimizerKind? Optimizer { get; init; }

    public double? ContentWeight { get; init; }

    public double? StyleWeight { get; init; }

    /// <summary>Random seed (same inputs and seed give the same video).</summary>
    public long Seed { get; init; }

    /// <summary>
    /// How strongly a frame keeps the previous stylised frame where the flow says the picture did not change: 0 = not at all
    /// (every frame on its own, which flickers); null = 1, the strength Ruder et al. use; at most 100.
    /// </summary>
    public double? TemporalWeight { get; init; }

    /// <summary>The first frame to stylise, 0-based, counted at the output's frame rate (default 0).</summary>
    public int FirstFrame { get; init; }

    /// <summary>How many frames to stylise from <see cref="FirstFrame"/>; null or 0 = to the end.</summary>
    public int? FrameCount { get; init; }

    /// <summary>Frames per second of the output (ffmpeg drops or repeats frames); null = the video's own.</summary>
    public double? FrameRate { get; init; }

    /// <summary>Container and codecs of the result (default <see cref="VideoFormat.Mp4"/>); the source's audio is kept.</summary>
    public VideoFormat Format { get; init; } = VideoFormat.Mp4;

    /// <summary>
    /// The submission's <c>request_id</c> (AIP-155), as <see cref="StylizeOptions.RequestId"/>: null = a new one per call;
    /// <see cref="StylizeRequestId.ForVideo"/> makes one from the request itself.
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>Where the server POSTs the operation once it ends, as <see cref="StylizeOptions.NotifyUrl"/>.</summary>
    public string? NotifyUrl { get; init; }
}
