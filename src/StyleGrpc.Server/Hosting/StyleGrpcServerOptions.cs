namespace StyleGrpc.Server.Hosting;

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

    /// <summary>Where styles (image and targets) are stored. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>. Default auto.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// Number format of the network's convolutions: <c>float32</c>, <c>bfloat16</c>, or <c>auto</c> (bfloat16 on
    /// CPUs with native bf16 dot products, about 1.3× faster per step there; else float32). Default auto.
    /// </summary>
    public string Precision { get; set; } = "auto";

    /// <summary>Intra-op threads per job; 0 = the machine's cores divided by <see cref="ConcurrentJobs"/> (at least 1). Default 0.</summary>
    public int ThreadsPerJob { get; set; }

    /// <summary>Largest request message in bytes (also the gRPC receive limit and Kestrel's body limit). Default 32 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest image in pixels, checked from the header before decoding. Default 40 M.</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Largest output side in pixels. Default 1024.</summary>
    public int MaxSide { get; set; } = 1024;

    /// <summary>Most iterations per job. Default 5000.</summary>
    public int MaxIterations { get; set; } = 5000;

    /// <summary>Most previews per job. Default 100.</summary>
    public int MaxPreviews { get; set; } = 100;

    /// <summary>Jobs that may wait; a full queue answers RESOURCE_EXHAUSTED. Default 16.</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary>Jobs running at once. Default 1 (one job already uses every CPU core).</summary>
    public int ConcurrentJobs { get; set; } = 1;

    /// <summary>Memory for cached style targets, in bytes. Default 256 MiB.</summary>
    public long StyleCacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Default longer side of style images for their targets, in pixels. Default 512.</summary>
    public int DefaultStyleSize { get; set; } = 512;

    /// <summary>On shutdown, running jobs may finish for this long before they are cancelled. Default 30 s.</summary>
    public int DrainTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// API keys accepted as <c>authorization: Bearer {key}</c>. Empty (the default): no key is required.
    /// Set as <c>StyleGrpc__ApiKeys__0=...</c>.
    /// </summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Progress frames per second at most. Default 10.</summary>
    public double MaxProgressFramesPerSecond { get; set; } = 10;
}
