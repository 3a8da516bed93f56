using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// Estimates a job's peak memory before it is admitted, and holds the budget running jobs share.
/// The estimate is a fixed cost per job plus a cost per output pixel: the network's activations and
/// their gradients with the image tensors (calibrated by measurement, below), and the optimiser's state
/// (exact: L-BFGS keeps up to <c>history</c> pairs of image-sized float32 vectors, Adam two, RMSprop one).
/// </summary>
/// <remarks>
/// Calibration (docs/performance.md, "Engine speed", written by <c>dotnet run -c Release --project bench/StyleGrpc.Bench</c>):
/// the rise of a job's process RSS during a run ("+job"), Adam, at 256×192 and 512×384. VGG19 (gatys and seed presets):
/// +255 and +921 MiB, so 4,736 bytes per pixel and 33 MiB fixed; ResNet18: +86 and +313 MiB, so 1,614 bytes per pixel
/// and 10 MiB fixed; at 1024×768 (<c>--only tiled</c>, untiled row) +1,444 MiB, so 1,816 bytes per pixel there. Minus
/// Adam's 24 bytes per pixel, rounded up by about 2–5 %: the constants below. bfloat16
/// convolutions are estimated as float32 (not measured separately; it can only over-estimate).
/// </remarks>
public sealed class JobMemoryEstimator
{
    /// <summary>Per-job cost that does not grow with the image (allocator arenas, style targets, encoders).</summary>
    public const long FixedBytes = 64L << 20;

    /// <summary>Activation, gradient and image bytes per output pixel, by network (measured; see remarks).</summary>
    private static readonly Dictionary<string, double> ActivationBytesPerPixel = new(StringComparer.Ordinal)
    {
        ["vgg19"] = 4800,
        ["resnet18-onnx"] = 1900,
    };

    private const double UnknownNetworkBytesPerPixel = 6000;

    public JobMemoryEstimator(IOptions<StyleGrpcServerOptions> options)
    {
        var o = options.Value;
        BudgetBytes = o.MemoryBudgetBytes > 0
            ? o.MemoryBudgetBytes
            : (long)(o.MemoryBudgetShare * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    /// <summary>Memory the running jobs' estimates may add up to, in bytes.</summary>
    public long BudgetBytes { get; }

    /// <summary>
    /// Estimated peak bytes of a job at <paramref name="width"/>×<paramref name="height"/>: the largest of its levels'
    /// (coarse-to-fine runs one level at a time). Untiled, the activations scale with the image; tiled
    /// (<see cref="StyleTransferOptions.TileSize"/>), with one tile and its margins, and the image-sized vectors (the image,
    /// its gradient, the content and the optimiser's state) with the image.
    /// </summary>
    public long Estimate(StyleTransferEngine engine, int width, int height, StyleTransferOptions options) =>
        engine.LevelSizes(width, height, options).Max(level => EstimateLevel(engine, level.Width, level.Height, level.Tiled, options));

    private static long EstimateLevel(StyleTransferEngine engine, int width, int height, bool tiled, StyleTransferOptions options)
    {
        var pixels = (double)width * height;
        var activations = ActivationBytesPerPixel.GetValueOrDefault(engine.Network.Info.Name, UnknownNetworkBytesPerPixel);
        var optimizerVectors = options.Optimizer switch
        {
            OptimizerKind.Lbfgs => 2 * options.LbfgsHistory + 4,
            OptimizerKind.Adam => 2,
            _ => 1,
        };
        if (tiled)
        {
            var margin = engine.Tiling(options).Margin;
            var window = (double)Math.Min(width, options.TileSize + 2 * margin) * Math.Min(height, options.TileSize + 2 * margin);
            return FixedBytes + (long)(window * activations + pixels * (optimizerVectors * 3 * 4 + TiledImageBytesPerPixel));
        }
        return FixedBytes + (long)(pixels * (activations + optimizerVectors * 3 * 4));
    }

    /// <summary>
    /// The L-BFGS history that keeps a tiled job inside the budget (its pairs of image-sized vectors are what grows with a
    /// print-size image): at most <paramref name="options"/>' history, at least <see cref="MinimumHistory"/>.
    /// </summary>
    public int HistoryThatFits(StyleTransferEngine engine, int width, int height, StyleTransferOptions options)
    {
        var history = options.LbfgsHistory;
        while (history > MinimumHistory && Estimate(engine, width, height, options with { LbfgsHistory = history }) > BudgetBytes)
        {
            history = Math.Max(MinimumHistory, history * 3 / 4);
        }
        return history;
    }

    /// <summary>Smallest L-BFGS history a job is given to fit the budget.</summary>
    public const int MinimumHistory = 5;

    // Tiled: the image, its gradient, the content image, the working copies and the content features kept per position.
    private const double TiledImageBytesPerPixel = 128;

    /// <summary>The largest output side (<c>max_side</c>) whose estimate fits the budget for this content image; below 16 when none does.</summary>
    public int LargestSide(StyleTransferEngine engine, int contentWidth, int contentHeight, StyleTransferOptions options)
    {
        int low = 15, high = options.MaxSide;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            var (w, h) = ImageCodec.FitWithin(contentWidth, contentHeight, mid, engine.Network.SizeMultiple);
            if (Estimate(engine, w, h, options) <= BudgetBytes)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }
}
