namespace StyleGrpc.Tests.Shared;

/// <summary>A folder of the test's own holding a few shared photos, for <c>StyleGrpc:Training:ContentDirectory</c>.</summary>
public static class TrainingPhotosFolder
{
    private static readonly string[] Photos = ["storm.jpg", "dune.jpg", "garden.jpg"];

    /// <summary>A new folder with <see cref="Count"/> photos in it.</summary>
    public static string Create()
    {
        var folder = TestData.NewTempDirectory();
        foreach (var photo in Photos)
        {
            File.Copy(TestData.Image(photo), Path.Combine(folder, photo));
        }
        return folder;
    }

    /// <summary>Photos <see cref="Create"/> puts in the folder.</summary>
    public static int Count => Photos.Length;
}
