using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Server.Hosting;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// Estimates a job's peak memory before it is admitted, and holds the budget running jobs share.
/// The estimate is a fixed cost per job plus a cost per output pixel: the network's activations and
/// their gradients (calibrated by measurement, below), the optimiser's state (exact: L-BFGS keeps
/// <c>history</c> pairs of image-sized vectors, Adam and RMSprop one or two), and the image tensors.
/// </summary>
/// <remarks>
/// Calibration: <c>dotnet run -c Release --project bench/StyleGrpc.Bench -- --only memory</c> runs one job
/// per size in a fresh process and reports its peak RSS above the loaded-model baseline; the constants
/// below are fitted to those figures with a safety margin (docs/reliability.md lists them).
/// </remarks>
public sealed class JobMemoryEstimator
{
    /// <summary>Per-job cost that does not grow with the image (allocator arenas, style targets, encoders).</summary>
    public const long FixedBytes = 96L << 20;

    /// <summary>Activation and gradient bytes per output pixel in float32, by network (measured; see remarks).</summary>
    private static readonly Dictionary<string, double> ActivationBytesPerPixel = new(StringComparer.Ordinal)
    {
        ["vgg19"] = 3600,
        ["resnet18-onnx"] = 1400,
    };

    private const double UnknownNetworkBytesPerPixel = 4000;

    // Image, content copy, gradient and working copies: a few float32 RGB images.
    private const double ImageBytesPerPixel = 8 * 3 * 4;

    public JobMemoryEstimator(IOptions<StyleGrpcServerOptions> options)
    {
        var o = options.Value;
        BudgetBytes = o.MemoryBudgetBytes > 0
            ? o.MemoryBudgetBytes
            : (long)(Math.Clamp(o.MemoryBudgetShare, 0.05, 1.0) * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    /// <summary>Memory the running jobs' estimates may add up to, in bytes.</summary>
    public long BudgetBytes { get; }

    /// <summary>Estimated peak bytes of a job at <paramref name="width"/>×<paramref name="height"/>.</summary>
    public long Estimate(IFeatureNetwork network, int width, int height, StyleTransferOptions options)
    {
        var pixels = (double)width * height;
        var activations = ActivationBytesPerPixel.GetValueOrDefault(network.Info.Name, UnknownNetworkBytesPerPixel);
        if (network.Info.Precision == Precision.BFloat16)
        {
            // The convolutions' inputs and outputs are half-size; gradients and losses stay float32.
            activations *= 0.75;
        }
        var optimizerVectors = options.Optimizer switch
        {
            OptimizerKind.Lbfgs => 2 * options.LbfgsHistory + 4,
            OptimizerKind.Adam => 2,
            _ => 1,
        };
        var perPixel = activations + ImageBytesPerPixel + optimizerVectors * 3 * 4;
        return FixedBytes + (long)(pixels * perPixel);
    }

    /// <summary>The largest output side (<c>max_side</c>) whose estimate fits the budget for this content image; below 16 when none does.</summary>
    public int LargestSide(IFeatureNetwork network, int contentWidth, int contentHeight, StyleTransferOptions options)
    {
        int low = 15, high = options.MaxSide;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            var (w, h) = ImageCodec.FitWithin(contentWidth, contentHeight, mid, network.SizeMultiple);
            if (Estimate(network, w, h, options) <= BudgetBytes)
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
