using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Engine;

/// <summary>
/// Estimated peak memory of a run, next to the numbers it is calibrated on: a fixed cost per run plus a cost per pixel of
/// the largest level (coarse-to-fine runs one level at a time): the network's activations and their gradients with the image
/// tensors (measured, below), and the optimiser's state (exact: L-BFGS keeps up to <c>history</c> pairs of image-sized
/// float32 vectors, Adam two, RMSprop one). Tiled levels hold the activations of one tile and its margins, and the
/// image-sized vectors of the whole image.
/// </summary>
/// <remarks>
/// Calibration (docs/performance.md, "Engine speed", written by <c>dotnet run -c Release --project bench/StyleGrpc.Bench</c>):
/// the rise of a job's process RSS during a run ("+job"), Adam, at 256×192 and 512×384. VGG19 (gatys and seed presets):
/// +255 and +921 MiB, so 4,736 bytes per pixel and 33 MiB fixed; ResNet18: +86 and +313 MiB, so 1,614 bytes per pixel
/// and 10 MiB fixed; at 1024×768 (<c>--only tiled</c>, untiled row) +1,444 MiB, so 1,816 bytes per pixel there. Minus
/// Adam's 24 bytes per pixel, rounded up by about 2–5 %: the constants below. bfloat16 convolutions are estimated as
/// float32 (not measured separately; it can only over-estimate).
/// </remarks>
public static class MemoryModel
{
    /// <summary>Per-run cost that does not grow with the image (allocator arenas, style targets, encoders).</summary>
    public const long FixedBytes = 64L << 20;

    /// <summary>Smallest L-BFGS history a tiled run is given to fit a budget.</summary>
    public const int MinimumHistory = 5;

    private const double UnknownNetworkBytesPerPixel = 6000;

    // Tiled: the image, its gradient, the content image, the working copies and the content features kept per position.
    private const double TiledImageBytesPerPixel = 128;

    /// <summary>Activation, gradient and image bytes per pixel, by network (measured; see remarks).</summary>
    private static readonly Dictionary<string, double> ActivationBytesPerPixel = new(StringComparer.Ordinal)
    {
        ["vgg19"] = 4800,
        ["resnet18-onnx"] = 1900,
    };

    /// <summary>Estimated peak bytes of a run over <paramref name="levels"/>: the largest level's.</summary>
    public static long Estimate(string network, IReadOnlyList<PlannedLevel> levels, OptimizerKind optimizer, int lbfgsHistory, int tileSize, int tileMargin) =>
        levels.Max(level => EstimateLevel(network, level, optimizer, lbfgsHistory, tileSize, tileMargin));

    private static long EstimateLevel(string network, PlannedLevel level, OptimizerKind optimizer, int lbfgsHistory, int tileSize, int tileMargin)
    {
        var pixels = (double)level.Pixels;
        var activations = ActivationBytesPerPixel.GetValueOrDefault(network, UnknownNetworkBytesPerPixel);
        var optimizerVectors = optimizer switch
        {
            OptimizerKind.Lbfgs => 2 * lbfgsHistory + 4,
            OptimizerKind.Adam => 2,
            _ => 1,
        };
        if (level.Tiled)
        {
            var window = (double)Math.Min(level.Width, tileSize + 2 * tileMargin) * Math.Min(level.Height, tileSize + 2 * tileMargin);
            return FixedBytes + (long)(window * activations + pixels * (optimizerVectors * 3 * 4 + TiledImageBytesPerPixel));
        }
        return FixedBytes + (long)(pixels * (activations + optimizerVectors * 3 * 4));
    }
}
