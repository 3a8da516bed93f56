namespace StyleGrpc.Engine.FeedForward;

/// <summary>The operator's content photos a network trains on (a folder of JPEG, PNG or WebP files, read lazily).</summary>
public sealed class TrainingPhotos
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp"];

    private TrainingPhotos(IReadOnlyList<string> files, long maxPixels)
    {
        Files = files;
        MaxPixels = maxPixels;
    }

    /// <summary>The photos in <paramref name="directory"/> (and its subfolders); files larger than <paramref name="maxPixels"/> or undecodable are skipped when met.</summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    public static TrainingPhotos FromDirectory(string directory, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"training photo directory {directory} does not exist");
        }
        return FromFiles(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories), maxPixels);
    }

    /// <summary>
    /// The photos among <paramref name="files"/> (by extension: .jpg, .jpeg, .png, .webp), in ordinal path order so a seed
    /// draws the same crops wherever the list came from; as <see cref="FromDirectory"/> otherwise.
    /// </summary>
    public static TrainingPhotos FromFiles(IEnumerable<string> files, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        var photos = files.Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new TrainingPhotos(photos, maxPixels);
    }

    /// <summary>Number of photo files found.</summary>
    public int Count => Files.Count;

    /// <summary>The photo files, in the order the sampler indexes them.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Largest width × height a photo may declare; larger ones are skipped.</summary>
    public long MaxPixels { get; }
}
