using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>A trained feed-forward network, loaded: stylises any image in one pass, tiled exactly above a size.</summary>
public sealed class FeedForwardModel : IDisposable
{
    /// <summary>Loads weights written by a training; <see cref="InvalidDataException"/> when they are damaged or of another format.</summary>
    public static FeedForwardModel Load(ReadOnlySpan<byte> weights) => throw new NotImplementedException();

    /// <summary>The loss network it was trained with (<see cref="Networks.NetworkInfo.Fingerprint"/>).</summary>
    public string Network => throw new NotImplementedException();

    /// <summary>
    /// The stylised image, same size as <paramref name="content"/>. With <paramref name="tileSize"/> &gt; 0 and a larger image,
    /// computed tile by tile in bounded memory, instance normalisation's statistics taken over the whole image, so the result
    /// equals the untiled one within the documented tolerance.
    /// </summary>
    public RgbImage Stylize(RgbImage content, int tileSize, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>As <see cref="Stylize"/>, on one of the engine's worker threads.</summary>
    public Task<RgbImage> StylizeOnWorkerAsync(RgbImage content, int tileSize, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Estimated peak memory of <see cref="Stylize"/> for a width × height image, in bytes.</summary>
    public static long EstimatedBytes(int width, int height, int tileSize) => throw new NotImplementedException();

    public void Dispose() => throw new NotImplementedException();
}
