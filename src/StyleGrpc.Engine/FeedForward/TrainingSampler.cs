using StyleGrpc.Engine.Imaging;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Draws training batches: for each sample a photo, a scale (the photo's shorter side becomes 1–2 crop sides, log-uniform),
/// a square crop at a random place and a horizontal flip with probability ½, all from one seeded <see cref="SplitMix64"/>.
/// Photos are decoded once, scaled down by the codec to at least three crop sides, and kept while they fit
/// <see cref="CacheBytes"/>; photos that cannot be read or are too large are skipped (and not drawn again).
/// </summary>
internal sealed class TrainingSampler(TrainingPhotos photos, int size, ulong state)
{
    /// <summary>Decoded photos kept, in bytes of RGB pixels.</summary>
    public const long CacheBytes = 256L << 20;

    private readonly SplitMix64 random = new(state);
    private readonly Dictionary<int, RgbImage> decoded = [];
    private readonly HashSet<int> unreadable = [];
    private long cached;

    /// <summary>The generator's state (for a checkpoint).</summary>
    public ulong State => random.State;

    /// <summary>The first state for a seed (the seed mixed, so seeds 0, 1, 2… do not start on neighbouring states).</summary>
    public static ulong InitialState(long seed) => new SplitMix64((ulong)seed ^ 0x5DEECE66DUL).Next();

    /// <summary>A batch of <paramref name="count"/> crops as a count×3×size×size float tensor in [0, 1], in the current dispose scope.</summary>
    /// <exception cref="StyleTransferException">No photo can be read.</exception>
    public Tensor Next(int count, Device device)
    {
        var samples = new Tensor[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = ImageTensor.ToTensor(NextCrop(), device);
        }
        return cat(samples, 0);
    }

    private RgbImage NextCrop()
    {
        while (true)
        {
            if (unreadable.Count >= photos.Count)
            {
                throw new StyleTransferException($"none of the {photos.Count} training photos could be read");
            }
            var index = random.NextInt(photos.Count);
            var scale = Math.Pow(2, random.NextDouble());
            var (u, v, flip) = (random.NextDouble(), random.NextDouble(), random.NextDouble() < 0.5);
            if (Photo(index) is not { } photo)
            {
                continue;
            }
            // The crop in the photo's pixels: a square whose side is the shorter side ÷ scale, resized to size × size.
            var side = Math.Max(1, (int)Math.Round(Math.Min(photo.Width, photo.Height) / scale));
            var x = (int)(u * (photo.Width - side + 1));
            var y = (int)(v * (photo.Height - side + 1));
            return ImageCodec.Resize(Crop(photo, x, y, side, flip), size, size);
        }
    }

    private RgbImage? Photo(int index)
    {
        if (decoded.TryGetValue(index, out var photo))
        {
            return photo;
        }
        if (unreadable.Contains(index))
        {
            return null;
        }
        try
        {
            photo = ImageCodec.Decode(File.ReadAllBytes(photos.Files[index]), photos.MaxPixels, 3 * size);
        }
        catch (Exception e) when (e is ImageDecodeException or ImageTooLargeException or IOException or UnauthorizedAccessException)
        {
            unreadable.Add(index);
            return null;
        }
        if (cached + photo.Pixels.Length <= CacheBytes)
        {
            decoded[index] = photo;
            cached += photo.Pixels.Length;
        }
        return photo;
    }

    private static RgbImage Crop(RgbImage photo, int x, int y, int side, bool flip)
    {
        var pixels = new byte[side * side * 3];
        for (var row = 0; row < side; row++)
        {
            var from = ((y + row) * photo.Width + x) * 3;
            if (!flip)
            {
                Array.Copy(photo.Pixels, from, pixels, row * side * 3, side * 3);
                continue;
            }
            for (var column = 0; column < side; column++)
            {
                var to = (row * side + side - 1 - column) * 3;
                pixels[to] = photo.Pixels[from + column * 3];
                pixels[to + 1] = photo.Pixels[from + column * 3 + 1];
                pixels[to + 2] = photo.Pixels[from + column * 3 + 2];
            }
        }
        return new RgbImage(side, side, pixels);
    }
}
