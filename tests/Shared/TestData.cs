namespace StyleGrpc.Tests.Shared;

/// <summary>Locates the shared test data (<c>../shared</c> beside the repository, or <c>STYLEGRPC_SHARED</c>).</summary>
public static class TestData
{
    public static string SharedRoot { get; } = FindShared();

    public static string Reference(string name) => Path.Combine(SharedRoot, "reference", name);

    public static string Image(string name) => Path.Combine(SharedRoot, "images", name);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string NewTempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stylegrpc-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StyleGrpc.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("StyleGrpc.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable("STYLEGRPC_SHARED");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }
        var shared = Path.GetFullPath(Path.Combine(FindRepositoryRoot(), "..", "shared"));
        return Directory.Exists(shared) ? shared : throw new InvalidOperationException($"shared test data not found at {shared}; set STYLEGRPC_SHARED");
    }
}
