using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>A trained feed-forward network, loaded: stylises any image in one pass, tiled exactly above a size.</summary>
/// <remarks>
/// Thread-safe for <see cref="Stylize(RgbImage, int, CancellationToken)"/> (inference only reads the weights). Tiled and untiled results agree within
/// <see cref="TiledTolerance"/> per output byte (float32 rounding: the statistics are summed in another order). How the
/// exact tiling works: docs/engine.md, "Feed-forward networks".
/// </remarks>
public sealed class FeedForwardModel : IDisposable
{
    /// <summary>
    /// Largest difference of an output byte between a tiled and an untiled result. Measured: values before rounding differ by
    /// at most 3·10⁻⁷ (float32 summation order), no byte differed; a value that close to a rounding boundary can round the
    /// other way, hence 1.
    /// </summary>
    public const int TiledTolerance = 1;

    // Peak-memory model of Stylize (docs/performance.md, "Feed-forward"): bytes per pixel of the network's input while it
    // runs (a whole image, or one tile's window), per pixel of the image held whole (the content, its byte copy and the
    // output), per image pixel again when tiled (what the allocator keeps between sweeps), and a fixed cost. Measured as the
    // rise of process peak RSS (2026-11-29, 2 threads): untiled 512×384 103 MiB, 1024×768 659 MiB, 2048×1536 2,516 MiB
    // (at most ~880 bytes per pixel); tiles of 512 (600×600 windows) 2048×1536 540 MiB and 4096×3072 858 MiB. Before the
    // tiled pass handed freed memory back after each sweep, 4096×3072 rose 1,988 MiB.
    private const double ActivationBytesPerPixel = 1100;
    private const double ImageBytesPerPixel = 9;
    private const double TiledBytesPerImagePixel = 40;
    private const long FixedBytes = 32L << 20;

    private readonly StyleNetwork network;
    private readonly int halo;
    private bool disposed;

    private FeedForwardModel(StyleNetwork network, string lossNetwork)
    {
        this.network = network;
        network.eval();
        foreach (var parameter in network.parameters())
        {
            parameter.requires_grad = false;
        }
        Network = lossNetwork;
        halo = ExactTiling.Halo(network);
    }

    /// <summary>Loads weights written by a training; <see cref="InvalidDataException"/> when they are damaged or of another format.</summary>
    public static FeedForwardModel Load(ReadOnlySpan<byte> weights)
    {
        TorchRuntime.EnsureLoaded();
        var (network, lossNetwork) = StyleNetworkWeights.Read(weights);
        return new FeedForwardModel(network, lossNetwork);
    }

    /// <summary>
    /// A network with its seeded initial weights, untrained (output about mid-grey): for timing and memory measurements.
    /// <paramref name="lossNetwork"/> is only recorded.
    /// </summary>
    public static FeedForwardModel Untrained(FeedForwardArchitecture architecture, long seed, string lossNetwork = "")
    {
        TorchRuntime.EnsureLoaded();
        ArgumentOutOfRangeException.ThrowIfEqual(architecture.IsValid(), false, nameof(architecture));
        var network = new StyleNetwork(architecture);
        StyleNetworkInitialisation.Apply(network, seed);
        return new FeedForwardModel(network, lossNetwork);
    }

    /// <summary>The loss network it was trained with (<see cref="Networks.NetworkInfo.Fingerprint"/>).</summary>
    public string Network { get; }

    /// <summary>The network's widths.</summary>
    public FeedForwardArchitecture Architecture => network.Architecture;

    /// <summary>Pixels added around each tile's core (the network's receptive radius rounded up to its stride of 4).</summary>
    public int TileHalo => halo;

    /// <summary>The network in the stored form <see cref="Load"/> reads.</summary>
    public byte[] ToBytes() => StyleNetworkWeights.Write(network, Network);

    /// <summary>
    /// The stylised image, same size as <paramref name="content"/>. With <paramref name="tileSize"/> &gt; 0 and a larger image,
    /// computed tile by tile in bounded memory, instance normalisation's statistics taken over the whole image, so the result
    /// equals the untiled one within the documented tolerance.
    /// </summary>
    /// <param name="content">Any size.</param>
    /// <param name="tileSize">Side of a tile's core in pixels (rounded down to a multiple of 4, at least 16); 0 = never tile.</param>
    /// <param name="cancellationToken">Checked before each tile.</param>
    public RgbImage Stylize(RgbImage content, int tileSize, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(tileSize);
        return ExactTiling.Stylize(network, content, tileSize, cancellationToken);
    }

    /// <summary>
    /// The stylised image in one untiled pass with the network's grid at <paramref name="phase"/>: what keeps a moving
    /// picture's strokes from frame to frame (<see cref="GridPhase.Following"/>).
    /// </summary>
    public RgbImage Stylize(RgbImage content, GridPhase phase, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return ExactTiling.Stylize(network, content, 0, cancellationToken, phase);
    }

    /// <summary>As <see cref="Stylize(RgbImage, int, CancellationToken)"/>, on one of the engine's worker threads.</summary>
    public Task<RgbImage> StylizeOnWorkerAsync(RgbImage content, int tileSize, CancellationToken cancellationToken) =>
        EngineWorkers.Run(() => Stylize(content, tileSize, cancellationToken));

    /// <summary>As <see cref="Stylize(RgbImage, GridPhase, CancellationToken)"/>, on one of the engine's worker threads.</summary>
    public Task<RgbImage> StylizeOnWorkerAsync(RgbImage content, GridPhase phase, CancellationToken cancellationToken) =>
        EngineWorkers.Run(() => Stylize(content, phase, cancellationToken));

    /// <summary>Estimated peak memory of <see cref="Stylize(RgbImage, int, CancellationToken)"/> for a width × height image, in bytes.</summary>
    /// <remarks>
    /// A fixed cost, the images held whole (content, a byte copy, output: 9 bytes per pixel) and the network's activations
    /// over its input: the whole (padded) image untiled, one window (core plus a halo of up to 64 px a side) tiled, plus,
    /// tiled, what the allocator keeps between sweeps (per image pixel). Default widths; calibrated on process peak RSS
    /// (docs/performance.md, "Feed-forward").
    /// </remarks>
    public static long EstimatedBytes(int width, int height, int tileSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        const int haloBound = 64;
        var (paddedWidth, paddedHeight) = ExactTiling.PaddedSize(width, height);
        var tile = ExactTiling.TileFor(tileSize);
        var tiled = tile > 0 && (paddedWidth > tile || paddedHeight > tile);
        var window = tiled
            ? (double)Math.Min(paddedWidth, tile + 2 * haloBound) * Math.Min(paddedHeight, tile + 2 * haloBound)
            : (double)paddedWidth * paddedHeight;
        var perImagePixel = ImageBytesPerPixel + (tiled ? TiledBytesPerImagePixel : 0);
        return FixedBytes + (long)(perImagePixel * width * height + ActivationBytesPerPixel * window);
    }

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            network.Dispose();
        }
    }
}
