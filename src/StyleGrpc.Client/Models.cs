namespace StyleGrpc.Client;

/// <summary>A registered style; <see cref="FeedForward"/> is its own trained network, if any (<see cref="IsInstant"/> once it serves).</summary>
public sealed record StyleInfo(
    string Id,
    string DisplayName,
    int Width,
    int Height,
    IReadOnlyList<string> Layers,
    string ImageSha256,
    DateTimeOffset CreateTime,
    long SizeBytes,
    int StyleSize,
    string Preset,
    string Network,
    StyleNetwork? FeedForward = null)
{
    /// <summary>True when the style has a READY feed-forward network: <see cref="StylizeMethod.FeedForward"/> answers at once.</summary>
    public bool IsInstant => FeedForward?.State == StyleNetworkState.Ready;
}

/// <summary>One page of <see cref="StyleGrpcClient.ListStylesAsync"/>.</summary>
public sealed record StylePage(IReadOnlyList<StyleInfo> Styles, string? NextPageToken, int TotalSize);

/// <summary>Options of <see cref="StyleGrpcClient.RegisterStyleAsync(string, ReadOnlyMemory{byte}, RegisterStyleOptions?, CancellationToken)"/>.</summary>
public sealed record RegisterStyleOptions
{
    public string? DisplayName { get; init; }

    /// <summary>Longer side, in pixels, the style image is scaled to for its targets; null = server default (512).</summary>
    public int? StyleSize { get; init; }

    /// <summary>Layer preset; null = the network's default.</summary>
    public string? Preset { get; init; }

    /// <summary>Replace an existing style with the same ID.</summary>
    public bool Replace { get; init; }
}

/// <summary>Where the style comes from.</summary>
public abstract record StyleSpec
{
    /// <summary>A registered style by ID.</summary>
    public static StyleSpec Registered(string id) => new RegisteredStyle(id);

    /// <summary>An inline style image (encoded bytes).</summary>
    public static StyleSpec Inline(ReadOnlyMemory<byte> image) => new InlineStyleImage(image);

    /// <summary>A weighted blend of registered styles.</summary>
    public static StyleSpec Blend(params (string Id, double Weight)[] components) => new StyleBlendSpec(components);

    /// <summary>A weighted blend of registered styles, each at its own style layers (scale control).</summary>
    public static StyleSpec BlendWithLayers(params BlendComponent[] components) => new LayeredStyleBlendSpec(components);
}

public sealed record RegisteredStyle(string Id) : StyleSpec;

public sealed record InlineStyleImage(ReadOnlyMemory<byte> Image) : StyleSpec;

public sealed record StyleBlendSpec(IReadOnlyList<(string Id, double Weight)> Components) : StyleSpec;

public enum OptimizerKind
{
    Lbfgs,
    Adam,
    RmsProp,
}

public enum InitKind
{
    Content,
    Noise,
    Blend,

    /// <summary>The registered style's feed-forward network's output, refined by optimisation.</summary>
    FeedForward,
}

/// <summary>How the picture is made.</summary>
public enum StylizeMethod
{
    /// <summary>Gatys optimisation (the default; seconds to minutes).</summary>
    Optimization,

    /// <summary>One pass of the registered style's trained network (a fraction of a second): Accepted, Started and the result only.</summary>
    FeedForward,
}

public enum OutputFormat
{
    Png,
    Jpeg,
    Webp,
}

/// <summary>Stylize options; null = the server's default.</summary>
public sealed record StylizeOptions
{
    /// <summary>Longer side of the output, in pixels (default 512).</summary>
    public int? MaxSide { get; init; }

    /// <summary>Most iterations (default 500; the job stops earlier once converged, see <see cref="RelativeTolerance"/>).</summary>
    public int? Iterations { get; init; }

    public OptimizerKind? Optimizer { get; init; }

    public double? LearningRate { get; init; }

    public double? ContentWeight { get; init; }

    public double? StyleWeight { get; init; }

    public double? TotalVariationWeight { get; init; }

    public string? Preset { get; init; }

    public InitKind? Init { get; init; }

    /// <summary>How the picture is made; null = the server's default (optimisation).</summary>
    public StylizeMethod? Method { get; init; }

    public long Seed { get; init; }

    /// <summary>A preview every this many iterations; 0 = none.</summary>
    public int PreviewEvery { get; init; }

    public OutputFormat Format { get; init; } = OutputFormat.Png;

    /// <summary>JPEG/WebP quality 1–100; null = 92.</summary>
    public int? Quality { get; init; }

    public bool KeepOriginalColors { get; init; }

    /// <summary>Colour control; null = as <see cref="KeepOriginalColors"/> says.</summary>
    public ColorControl? ColorControl { get; init; }

    /// <summary>Regions painted with other styles (at most the server's <c>max_regions</c>); pixels no region covers follow the request's style.</summary>
    public IReadOnlyList<StyleRegionSpec>? Regions { get; init; }

    /// <summary>Inline styles: style size relative to the output (default 1).</summary>
    public double? StyleScale { get; init; }

    /// <summary>Stop once the loss changes by less than this fraction over 20 iterations (server default 0.005; 0 = never).</summary>
    public double? RelativeTolerance { get; init; }

    /// <summary>
    /// Coarse-to-fine levels, sides √2 apart ending at the output size: 1 = output size only; 0 = automatic (one level per √2
    /// step down to 128 px from 256 px outputs up); null = the server's default (its <c>coarse_to_fine_from</c> limit).
    /// </summary>
    public int? ScaleLevels { get; init; }

    /// <summary>Most iterations at each coarser level; null = automatic.</summary>
    public int? CoarseIterations { get; init; }

    /// <summary>Side of a tile's core, in pixels (exact tiled evaluation, bounded memory); null = the server decides (it tiles large outputs).</summary>
    public int? TileSize { get; init; }

    /// <summary>Explicit content layers with weights (the server's layer names, <see cref="StyleGrpcClient.GetServerInfoAsync"/>); null = the preset's.</summary>
    public IReadOnlyList<(string Layer, double Weight)>? ContentLayers { get; init; }

    /// <summary>Explicit style layers with weights, e.g. (relu1_1, 1), (relu2_1, 0.5); null = the preset's.</summary>
    public IReadOnlyList<(string Layer, double Weight)>? StyleLayers { get; init; }

    /// <summary>
    /// The submission's <c>request_id</c> (AIP-155), a UUID; null = a new one for each call. The server answers a second
    /// submission with the same ID from the same caller (within its result retention) with the first one's operation and starts
    /// nothing, and refuses the same ID with a different request (INVALID_ARGUMENT naming <c>request_id</c>): give each distinct
    /// request its own, e.g. <see cref="StylizeRequestId.For"/> to make one from the request itself.
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>
    /// Where the server POSTs the operation once it ends (a completion webhook, signed; docs/http.md, "Webhooks"): an absolute
    /// http(s) URL starting with one of the server's allowed prefixes, else the submission is INVALID_ARGUMENT naming
    /// <c>notification.url</c>. Null = the caller's default the server holds, if any. Part of the request:
    /// <see cref="StylizeRequestId.For"/> gives another ID for another URL. <see cref="JobStatus.Notification"/> reports the delivery.
    /// </summary>
    public string? NotifyUrl { get; init; }
}

/// <summary>Losses of one iteration; content and style unweighted.</summary>
public sealed record LossValues(double Content, double Style, double TotalVariation, double Total);

/// <summary>An encoded image.</summary>
public sealed record EncodedImage(byte[] Data, OutputFormat Format, int Width, int Height);

/// <summary>A frame of a Stylize call or a watch of a submitted job.</summary>
public abstract record StylizeUpdate
{
    /// <summary>
    /// Position of this frame in its job's stream, from 1, increasing across attempts of a resumed job; pass the last one seen to
    /// <see cref="StyleGrpcClient.WatchStylizeAsync"/> to re-attach without duplicates. 0 when the server did not number it.
    /// </summary>
    public long Sequence { get; init; }
}

/// <summary>
/// The server admitted the job. <see cref="QueuePosition"/> 0 = it starts at once. <see cref="OperationName"/> (<c>operations/{job_id}</c>)
/// names it for <see cref="StyleGrpcClient.GetOperationAsync"/>, <see cref="StyleGrpcClient.WatchStylizeAsync"/> and the others.
/// </summary>
public sealed record JobAccepted(string JobId, int QueuePosition, string OperationName = "") : StylizeUpdate;

/// <summary>The job's queue position changed.</summary>
public sealed record JobQueued(int QueuePosition) : StylizeUpdate;

/// <summary>The job started. <see cref="EstimatedMemoryBytes"/> is held against the server's memory budget while it runs.</summary>
public sealed record JobStarted(int Width, int Height, int TotalIterations, TimeSpan QueueTime, string Network, long EstimatedMemoryBytes = 0) : StylizeUpdate;

/// <summary>
/// Progress; <see cref="Preview"/> every N iterations when asked. When the reader lags, the server coalesces
/// progress frames and drops the oldest unsent previews: <see cref="FramesCoalesced"/> and
/// <see cref="PreviewsDropped"/> count them for this job so far. A coarse-to-fine job reports its <see cref="Level"/> (1-based)
/// of <see cref="Levels"/> and that level's <see cref="LevelSide"/>; losses of different levels are not comparable.
/// </summary>
public sealed record JobProgress(int Iteration, int TotalIterations, LossValues Losses, TimeSpan Elapsed, TimeSpan Eta, EncodedImage? Preview,
    int FramesCoalesced = 0, int PreviewsDropped = 0, int Level = 1, int Levels = 1, int LevelSide = 0) : StylizeUpdate;

/// <summary>The result. <see cref="Reproducibility"/> lists every parameter the server used.</summary>
public sealed record JobCompleted(
    string JobId,
    EncodedImage Image,
    int IterationsRun,
    LossValues FinalLosses,
    TimeSpan QueueTime,
    TimeSpan RunTime,
    TimeSpan TotalTime,
    IReadOnlyDictionary<string, string> Reproducibility,
    int FramesCoalesced = 0,
    int PreviewsDropped = 0) : StylizeUpdate;

/// <summary>What the server runs and its limits; <see cref="Video"/> is null from a server without videos.</summary>
public sealed record ServerDetails(
    string Version,
    string Device,
    string Precision,
    string Network,
    string NetworkDescription,
    bool OfflineDefault,
    IReadOnlyList<string> Presets,
    long MaxRequestBytes,
    long MaxPixels,
    int MaxSide,
    int MaxIterations,
    int QueueCapacity,
    int ConcurrentJobs,
    int QueuedJobs,
    int RunningJobs,
    int Styles,
    int QuarantinedStyles = 0,
    long MemoryBudgetBytes = 0,
    int MaxRunSeconds = 0,
    int StallTimeoutSeconds = 0,
    bool Draining = false,
    bool FeedForwardAvailable = false,
    int TrainingPhotos = 0,
    string CallerRole = "",
    ServerVideoLimits? Video = null);
