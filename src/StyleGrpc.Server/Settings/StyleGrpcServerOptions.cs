namespace StyleGrpc.Server.Settings;

/// <summary>Server settings, bound from the <c>StyleGrpc</c> configuration section (appsettings, <c>StyleGrpc__X</c> environment variables).</summary>
public sealed class StyleGrpcServerOptions
{
    public const string Section = "StyleGrpc";

    /// <summary>VGG19 weights file. Empty: the first <c>vgg19*.pth</c>/<c>*.safetensors</c> in <see cref="ModelsDirectory"/>, else the offline ResNet18.</summary>
    public string? Vgg19WeightsPath { get; set; }

    /// <summary>Optional SHA-256 (or prefix) the VGG19 file must match, e.g. <c>dcbb9e9d</c>.</summary>
    public string? Vgg19Sha256 { get; set; }

    /// <summary>Deepest VGG19 layer loaded. Default <c>relu5_1</c>.</summary>
    public string Vgg19DeepestLayer { get; set; } = "relu5_1";

    /// <summary>Folder searched for VGG19 weights at start, relative to the working directory. Default <c>models</c>.</summary>
    public string ModelsDirectory { get; set; } = "models";

    /// <summary>Where styles (image and targets) are stored with <see cref="Store"/> <c>file</c>. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary><c>file</c> (the data directory; one replica; the default) or <c>redis</c> (shared by every replica, <see cref="Redis"/>).</summary>
    public StoreSetting Store { get; set; } = StoreSetting.File;

    /// <summary>StackExchange.Redis configuration string for <see cref="Store"/> <c>redis</c>, e.g. <c>redis:6379,password=...</c>.</summary>
    public string Redis { get; set; } = "";

    /// <summary>Prefix of every Redis key, so several deployments can share one Redis. Default <c>stylegrpc:</c>.</summary>
    public string RedisKeyPrefix { get; set; } = "stylegrpc:";

    /// <summary>
    /// With <see cref="Store"/> <c>redis</c>: a folder every replica shares (NFS, EFS, a ReadWriteMany volume) where jobs'
    /// large payloads live (their request's images and their checkpoints), Redis holding only a reference to each. Empty
    /// (the default): Redis holds them.
    /// </summary>
    public string BlobDirectory { get; set; } = "";

    /// <summary>The HTTP face: JSON API and web page.</summary>
    public HttpOptions Http { get; set; } = new();

    /// <summary>Prometheus metrics endpoint.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Training styles' feed-forward networks.</summary>
    public TrainingOptions Training { get; set; } = new();

    /// <summary>SubmitStylizeVideo: ffmpeg and the limits of a video.</summary>
    public VideoOptions Video { get; set; } = new();

    /// <summary>Completion webhooks; off unless <c>Webhooks:AllowedUrls</c> is set.</summary>
    public WebhookOptions Webhooks { get; set; } = new();

    /// <summary>Traces.</summary>
    public TracingOptions Tracing { get; set; } = new();

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c> (also <c>gpu</c>). Default auto.</summary>
    public DeviceSetting Device { get; set; } = DeviceSetting.Auto;

    /// <summary>
    /// Number format of the network's convolutions: <c>float32</c> (also <c>fp32</c>), <c>bfloat16</c> (also <c>bf16</c>),
    /// or <c>auto</c> (bfloat16 on CPUs with native bf16 dot products, about 1.3× faster per step there; else float32).
    /// Default auto.
    /// </summary>
    public PrecisionSetting Precision { get; set; } = PrecisionSetting.Auto;

    /// <summary>
    /// Intra-op threads per job; 0 = the CPUs this process may use (a container's CPU limit rounded up, else the machine's cores:
    /// <see cref="CpuQuota"/>) divided by <see cref="ConcurrentJobs"/>, at least 1. Default 0.
    /// </summary>
    public int ThreadsPerJob { get; set; }

    /// <summary>
    /// Largest request message in bytes (the gRPC receive limit and Kestrel's body limit are <see cref="TransportSlackBytes"/>
    /// above it). Default 32 MiB; 1 KiB to 2 GiB − 1 MiB.
    /// </summary>
    public long MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// How far the transport limits sit above <see cref="MaxRequestBytes"/>, so the service itself answers INVALID_ARGUMENT
    /// naming the field for requests slightly over; far larger ones meet gRPC's own RESOURCE_EXHAUSTED.
    /// </summary>
    public const int TransportSlackBytes = 1024 * 1024;

    /// <summary>Largest image in pixels, checked from the header before decoding. Default 40 M.</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Largest output side in pixels. Default 4096 (print size; above <see cref="TileAbove"/> jobs are tiled).</summary>
    public int MaxSide { get; set; } = 4096;

    /// <summary>Outputs whose longer side is above this many pixels are computed tile by tile (exactly), in bounded memory. Default 1024.</summary>
    public int TileAbove { get; set; } = 1024;

    /// <summary>Side of a tile's core when tiling automatically, in pixels. Default 512.</summary>
    public int TileSize { get; set; } = 512;

    /// <summary>
    /// Jobs that leave <c>scale_levels</c> unset with an output side of at least this many pixels run coarse-to-fine, one
    /// level per √2 step down to 128 px; smaller ones run at the output size only. 0 = never. Default 0: at equal time,
    /// coarse-to-fine gives lower style losses at half and quarter size but a higher full-size loss (docs/performance.md,
    /// "Coarse-to-fine"), so it is a choice, not the default.
    /// </summary>
    public int CoarseToFineFrom { get; set; }

    /// <summary>Most iterations per job. Default 5000.</summary>
    public int MaxIterations { get; set; } = 5000;

    /// <summary>Most previews per job. Default 100.</summary>
    public int MaxPreviews { get; set; } = 100;

    /// <summary>Jobs that may wait; a full queue answers RESOURCE_EXHAUSTED. Default 16.</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary>Jobs running at once. Default 1 (one job already uses every CPU core).</summary>
    public int ConcurrentJobs { get; set; } = 1;

    /// <summary>
    /// Most regions (spatial control) in one Stylize request: each adds a guided Gram matrix per style layer to every step.
    /// Range 0–16 (the engine's limit); 0 = regions refused. Default 8.
    /// </summary>
    public int MaxRegions { get; set; } = 8;

    /// <summary>Memory for cached style targets, in bytes. Default 256 MiB.</summary>
    public long StyleCacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Default longer side of style images for their targets, in pixels. Default 512.</summary>
    public int DefaultStyleSize { get; set; } = 512;

    /// <summary>
    /// On shutdown (SIGTERM), running jobs may finish for this long, in seconds, before they are cancelled with
    /// UNAVAILABLE. Queued jobs are refused at once. Default 30 s.
    /// </summary>
    public int DrainTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// A Stylize call whose reader takes no frame for this long, in seconds, is ended with ABORTED; its job is
    /// stopped and its result discarded. Default 30 s.
    /// </summary>
    public int StallTimeoutSeconds { get; set; } = 30;

    /// <summary>Longest run of one job, in seconds, before it is stopped with DEADLINE_EXCEEDED; 0 = no limit. Default 3600 s.</summary>
    public int MaxRunSeconds { get; set; } = 3600;

    /// <summary>Unsent previews kept per call for a lagging reader before the oldest is dropped. Default 2.</summary>
    public int BufferedPreviews { get; set; } = 2;

    /// <summary>Memory the running jobs' estimates may add up to, in bytes; 0 = <see cref="MemoryBudgetShare"/> of the machine's (or cgroup's) memory. Default 0.</summary>
    public long MemoryBudgetBytes { get; set; }

    /// <summary>Share of the machine's (or cgroup's) memory used as the budget when <see cref="MemoryBudgetBytes"/> is 0. Default 0.6.</summary>
    public double MemoryBudgetShare { get; set; } = 0.6;

    /// <summary>
    /// Accepted API keys, as SHA-256 hashes with a role: <c>StyleGrpc:Keys:0:Sha256</c> (lower-case hex of the key's
    /// UTF-8 bytes) and <c>StyleGrpc:Keys:0:Role</c> (<c>admin</c> or <c>user</c>). Empty (the default): no key is
    /// required, and the server refuses to listen beyond loopback unless <see cref="AllowAnonymous"/> is set.
    /// </summary>
    public List<Access.ApiKeyEntry> Keys { get; set; } = [];

    /// <summary>JWT bearer callers beside API keys (<c>StyleGrpc:Jwt</c>); off unless a key source is set. Reloads without a restart.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>
    /// A JSON settings file (the shape of <c>appsettings.json</c>: <c>{"StyleGrpc": {"Keys": [...], "Jwt": {...}}}</c>) read after
    /// every other source and watched: an edit of the keys or the JWT settings in it takes effect within seconds, without a restart. Relative to the working
    /// directory. Empty (the default): none. A file that does not exist at start stops the start.
    /// </summary>
    public string KeysFile { get; set; } = "";

    /// <summary>Allows an open server (no keys, no JWT) on a non-loopback address. Default false; a warning is logged when used.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Jobs one caller (API key) may have queued or running at once; 0 = no limit. Default 0.</summary>
    public int MaxJobsPerKey { get; set; }

    /// <summary>Stylize calls one caller may start per minute (token bucket); 0 = no limit. Default 0.</summary>
    public int StylizePerMinutePerKey { get; set; }

    /// <summary>RegisterStyle calls one caller may make per minute (token bucket); 0 = no limit. Default 0.</summary>
    public int RegisterPerMinutePerKey { get; set; }

    /// <summary>Progress frames per second at most. Default 10.</summary>
    public double MaxProgressFramesPerSecond { get; set; } = 10;

    /// <summary>
    /// Hours an ended operation (its result or error and its frames) is kept after it ended, then deleted; fractions allowed.
    /// DeleteOperation deletes earlier. Default 24.
    /// </summary>
    public double ResultRetentionHours { get; set; } = 24;

    /// <summary>A running job writes a checkpoint this often, in seconds (and at each coarse-to-fine level, and when draining). Default 30.</summary>
    public int CheckpointSeconds { get; set; } = 30;

    /// <summary>
    /// With <c>Store=redis</c>: a replica renews the lease on the jobs it runs every third of this; a job whose lease is this
    /// old is claimed by another replica and continues there from its checkpoint. Default 15 s.
    /// </summary>
    public int LeaseSeconds { get; set; } = 15;
}
