using StyleGrpc.Engine.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Runs a <see cref="StyleNetwork"/> over an image, whole or tile by tile with the same result. The image is first
/// extended at the right and bottom (edge pixels repeated) to sides that are multiples of the network's stride, at least
/// 8; the output is cropped back.
/// </summary>
/// <remarks>
/// Tiled, memory grows with the tile rather than the image. Each tile is a window: its core (tileSize² on the stride grid)
/// and a halo of at least the network's receptive radius around it, clipped to the image; the window's own padding only
/// reaches into the halo, so the core computes what the whole image would. Instance normalisation needs each channel's
/// mean and variance over the whole image, so the normalisations are resolved one at a time: a sweep over all tiles runs
/// each up to normalisation k (normalising 1…k−1 by the statistics already known) and gathers k's statistics over the
/// cores; after the last normalisation's sweep, a final sweep writes the output cores. That is NormCount + 1 partial
/// passes over the image (about (NormCount / 2 + 1) whole forward passes, plus the halos). The windows differ in size and
/// each sweep stops at another layer, so freed memory is handed back after every window
/// (<see cref="TorchRuntime.ReturnFreedMemory"/>): otherwise the allocator's kept memory fragments and grows with the image.
/// Exactness: equal up to float32 rounding (summation order of the statistics and of convolutions over windows of other
/// sizes); the tests bound it.
/// </remarks>
internal static class ExactTiling
{
    /// <summary>Smallest tile core, in pixels.</summary>
    public const int MinimumTile = 16;

    /// <summary>
    /// The stylised <paramref name="content"/>; tiled when <paramref name="tileSize"/> &gt; 0 and the image is larger, else in
    /// one pass with the network's grid at <paramref name="phase"/> (only an untiled pass takes one).
    /// </summary>
    public static RgbImage Stylize(StyleNetwork network, RgbImage content, int tileSize, CancellationToken cancellationToken, GridPhase phase = default)
    {
        var pixels = new byte[content.Pixels.Length];
        Run(network, content, tileSize, phase, (x, y, part) =>
        {
            var image = ImageTensor.ToImage(part);
            for (var row = 0; row < image.Height; row++)
            {
                Array.Copy(image.Pixels, row * image.Width * 3, pixels, ((y + row) * content.Width + x) * 3, image.Width * 3);
            }
        }, cancellationToken);
        return new RgbImage(content.Width, content.Height, pixels);
    }

    /// <summary>
    /// Runs the network over <paramref name="content"/> and hands each part of the output (1×3×h×w, values in [0, 1], cropped to
    /// the image) to <paramref name="write"/> with its left and top in the image: the whole image at once, or tile by tile.
    /// The tensor is only valid during the call.
    /// </summary>
    public static void Run(StyleNetwork network, RgbImage content, int tileSize, Action<int, int, Tensor> write, CancellationToken cancellationToken) =>
        Run(network, content, tileSize, GridPhase.None, write, cancellationToken);

    private static void Run(StyleNetwork network, RgbImage content, int tileSize, GridPhase phase, Action<int, int, Tensor> write,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (phase.X is < 0 or >= StyleNetwork.Stride || phase.Y is < 0 or >= StyleNetwork.Stride)
        {
            throw new ArgumentOutOfRangeException(nameof(phase), phase, $"a grid phase is 0 to {StyleNetwork.Stride - 1} each way");
        }
        var (width, height) = PaddedSize(content.Width, content.Height);
        var tile = TileFor(tileSize);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var source = tensor(content.Pixels, [content.Height, content.Width, 3], ScalarType.Byte);
        if (tile == 0 || (width <= tile && height <= tile))
        {
            // The grid's phase: reflected columns and rows before the left and top edges, cropped off the output.
            var (phasedWidth, phasedHeight) = PaddedSize(content.Width + phase.X, content.Height + phase.Y);
            using var input = Window(source, -phase.X, -phase.Y, phasedWidth, phasedHeight);
            using var output = network.forward(input);
            using var cropped = output[.., .., phase.Y..(phase.Y + content.Height), phase.X..(phase.X + content.Width)];
            write(0, 0, cropped);
            return;
        }
        if (phase != GridPhase.None)
        {
            throw new ArgumentException("a grid phase needs an untiled pass: the image is larger than the tile", nameof(phase));
        }
        Tiled(network, content, source, width, height, tile, write, cancellationToken);
    }

    /// <summary>The network's input size for a width × height image: sides rounded up to the stride, at least 8.</summary>
    public static (int Width, int Height) PaddedSize(int width, int height) =>
        (Math.Max(8, RoundUp(width, StyleNetwork.Stride)), Math.Max(8, RoundUp(height, StyleNetwork.Stride)));

    /// <summary>The tile core used for <paramref name="tileSize"/>: a multiple of the stride, at least <see cref="MinimumTile"/>; 0 = untiled.</summary>
    public static int TileFor(int tileSize) => tileSize <= 0 ? 0 : Math.Max(MinimumTile, tileSize / StyleNetwork.Stride * StyleNetwork.Stride);

    /// <summary>The halo around each core for <paramref name="network"/>: its receptive radius rounded up to the stride.</summary>
    public static int Halo(StyleNetwork network) => RoundUp(network.ReceptiveRadius, StyleNetwork.Stride);

    private static void Tiled(StyleNetwork network, RgbImage content, Tensor source, int width, int height, int tile, Action<int, int, Tensor> write,
        CancellationToken cancellationToken)
    {
        var halo = Halo(network);
        var tiles = (from y in Enumerable.Range(0, (height + tile - 1) / tile)
                     from x in Enumerable.Range(0, (width + tile - 1) / tile)
                     select (X: x * tile, Y: y * tile, Width: Math.Min(tile, width - x * tile), Height: Math.Min(tile, height - y * tile))).ToList();
        var statistics = new TileStatistics(network);
        for (var norm = 0; norm < network.NormCount; norm++)
        {
            foreach (var core in tiles)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using (NewDisposeScope())
                {
                    var (input, inCore) = TileInput(source, core, halo, width, height);
                    statistics.Core = inCore;
                    if (network.Forward(input, statistics) is not null)
                    {
                        throw new InvalidOperationException("the statistics sweep did not stop at its normalisation");
                    }
                }
            }
            statistics.Complete();
            TorchRuntime.ReturnFreedMemory();
        }
        foreach (var core in tiles)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (core.X >= content.Width || core.Y >= content.Height)
            {
                continue;
            }
            using (NewDisposeScope())
            {
                var (input, inCore) = TileInput(source, core, halo, width, height);
                var output = network.Forward(input, statistics)!;
                var (w, h) = (Math.Min(core.Width, content.Width - core.X), Math.Min(core.Height, content.Height - core.Y));
                write(core.X, core.Y, output[.., .., inCore.Y..(inCore.Y + h), inCore.X..(inCore.X + w)]);
            }
        }
    }

    // The window of a core: the core grown by the halo on each side, clipped to the (padded) image; and the core's place in it.
    private static (Tensor Input, (int X, int Y, int Width, int Height) Core) TileInput(Tensor source, (int X, int Y, int Width, int Height) core,
        int halo, int width, int height)
    {
        var (x0, y0) = (Math.Max(0, core.X - halo), Math.Max(0, core.Y - halo));
        var (x1, y1) = (Math.Min(width, core.X + core.Width + halo), Math.Min(height, core.Y + core.Height + halo));
        return (Window(source, x0, y0, x1 - x0, y1 - y0), (core.X - x0, core.Y - y0, core.Width, core.Height));
    }

    // Pixels [x, x + w) × [y, y + h) of the padded image as a 1×3×h×w float tensor in [0, 1]: coordinates past the image's
    // right or bottom edge repeat its last column or row, those before its left or top edge (a grid phase) mirror it.
    private static Tensor Window(Tensor source, int x, int y, int w, int h)
    {
        using var scope = NewDisposeScope();
        var (sourceHeight, sourceWidth) = (source.shape[0], source.shape[1]);
        using var lastRow = (sourceHeight - 1).ToScalar();
        using var lastColumn = (sourceWidth - 1).ToScalar();
        var rows = arange(y, y + h, dtype: ScalarType.Int64).abs_().clamp_max_(lastRow);
        var columns = arange(x, x + w, dtype: ScalarType.Int64).abs_().clamp_max_(lastColumn);
        var window = source.index_select(0, rows).index_select(1, columns);
        return window.permute(2, 0, 1).unsqueeze(0).contiguous().to(ScalarType.Float32).div_(Scalars.ByteMax).MoveToOuterDisposeScope();
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
