namespace StyleGrpc.Tests.Shared;

/// <summary>
/// Locates the test data that ships in the repository (<c>tests/data</c>: images, and the reference weights and PyTorch
/// trajectories; sources and licences in the README beside each file), and gives tests folders of their own.
/// </summary>
public static class TestData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder that holds <c>images/</c> and <c>reference/</c>.</summary>
    public static string Root { get; } = Path.Combine(RepositoryRoot, "tests", "data");

    public static string Reference(string name) => Existing(Path.Combine(Root, "reference", name));

    public static string Image(string name) => Existing(Path.Combine(Root, "images", name));

    /// <summary>A test clip of tests/data/video (made by its make-clips.sh).</summary>
    public static string Video(string name) => Existing(Path.Combine(Root, "video", name));

    public static string NewTempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stylegrpc-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"test data file {path} is not in the repository (see tests/data/images/README.md and tests/data/reference/README.md)", path);

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StyleGrpc.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("StyleGrpc.sln not found above " + AppContext.BaseDirectory);
    }
}
