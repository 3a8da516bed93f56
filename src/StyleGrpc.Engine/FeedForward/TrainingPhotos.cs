namespace StyleGrpc.Engine.FeedForward;

/// <summary>The operator's content photos a network trains on (a folder of JPEG, PNG or WebP files, read lazily).</summary>
public sealed class TrainingPhotos
{
    /// <summary>The photos in <paramref name="directory"/> (and its subfolders); files larger than <paramref name="maxPixels"/> or undecodable are skipped when met.</summary>
    public static TrainingPhotos FromDirectory(string directory, long maxPixels) => throw new NotImplementedException();

    /// <summary>Number of photo files found.</summary>
    public int Count => throw new NotImplementedException();
}
