using System.Globalization;

namespace StyleGrpc.Bench;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchSettings
{
    public bool Quick { get; init; }

    public bool SkipPyTorch { get; init; }

    /// <summary>
    /// Run one section only (steps, fastpaths, breakdown, pytorch, quality, multiscale, throughput, regions, grpc, soak, control-gallery); the report
    /// then holds just that and goes to the temp directory unless <c>--report</c> says where, so a partial
    /// run never overwrites docs/performance.md.
    /// </summary>
    public string? Only { get; init; }

    public bool Runs(string section) => Only is null || Only == section;

    public string? Vgg19Path { get; init; }

    /// <summary>Where "Coarse-to-fine" keeps its result images (<c>--gallery DIR</c>); null = a temporary directory.</summary>
    public string? GalleryDirectory { get; init; }

    public string ImagesDirectory { get; init; } = Path.Combine(BenchPaths.RepositoryRoot, "tests", "data", "images");

    public string ReportPath { get; init; } = Path.Combine(BenchPaths.RepositoryRoot, "docs", "performance.md");

    public int[] Sizes => Quick ? [256] : [256, 512];

    public int TimedSteps => Quick ? 5 : 20;

    public int WarmupSteps => 3;

    /// <summary>RMSprop steps whose loss defines "quality" (the original write-up's setting).</summary>
    public int QualitySteps => Quick ? 150 : 700;

    public static BenchSettings Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var settings = new BenchSettings
        {
            Quick = args.Contains("--quick"),
            SkipPyTorch = args.Contains("--skip-pytorch"),
            Vgg19Path = Value("--vgg19"),
            Only = Value("--only"),
        };
        if (settings.Only is { } only)
        {
            settings = settings with { ReportPath = Path.Combine(Path.GetTempPath(), $"stylegrpc-performance-{only}.md") };
        }
        if (Value("--images") is { } images)
        {
            settings = settings with { ImagesDirectory = images };
        }
        if (Value("--gallery") is { } gallery)
        {
            Directory.CreateDirectory(gallery);
            settings = settings with { GalleryDirectory = Path.GetFullPath(gallery) };
        }
        if (Value("--report") is { } report)
        {
            settings = settings with { ReportPath = report };
        }
        return settings;
    }

    public static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
}
