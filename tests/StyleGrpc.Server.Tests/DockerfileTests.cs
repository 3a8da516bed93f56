using System.Text.Json;
using System.Text.RegularExpressions;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// docker/Dockerfile, read as text: its base images are build arguments whose defaults are the official .NET images of the
/// SDK that global.json pins, and its health check asks the CLI it ships for readiness on the port the server listens on.
/// CI builds and runs the image for real with local bases (build/container-check.sh); these catch an edit that would
/// build here but break for users.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(TestData.RepositoryRoot, "docker", "Dockerfile"));

    [GeneratedRegex(@"^ARG (\w+)=(\S+)$")]
    private static partial Regex ArgLine();

    [GeneratedRegex(@"^FROM (\S+)(?: AS (\S+))?$")]
    private static partial Regex FromLine();

    /// <summary>"10.0" for an SDK "10.0.100".</summary>
    private static string DotNetChannel()
    {
        using var globalJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "global.json")));
        var version = Version.Parse(globalJson.RootElement.GetProperty("sdk").GetProperty("version").GetString()!);
        return $"{version.Major}.{version.Minor}";
    }

    [Fact]
    public void BaseImages_AreBuildArgumentsDefaultingToTheOfficialImagesOfThePinnedSdk()
    {
        var beforeFirstFrom = Lines.TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal));
        var args = beforeFirstFrom.Select(l => ArgLine().Match(l)).Where(m => m.Success).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var channel = DotNetChannel();
        Assert.Equal($"mcr.microsoft.com/dotnet/sdk:{channel}", args["SDK_IMAGE"]);
        Assert.Equal($"mcr.microsoft.com/dotnet/aspnet:{channel}", args["RUNTIME_IMAGE"]);

        var froms = Lines.Select(l => FromLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(2, froms.Count);
        Assert.Equal("${SDK_IMAGE}", froms[0].Groups[1].Value);
        Assert.Equal("build", froms[0].Groups[2].Value);
        Assert.Equal("${RUNTIME_IMAGE}", froms[1].Groups[1].Value);
        // No image is named anywhere else: COPY --from takes the build stage only.
        Assert.All(Lines.Where(l => l.Contains("--from=", StringComparison.Ordinal)), l => Assert.Contains("--from=build ", l));
    }

    [Fact]
    public void EveryProjectTheServerAndCliReference_IsCopiedBeforeTheRestore()
    {
        // The projects the two published ones reach through ProjectReference, as paths from the repository's root.
        var reached = new HashSet<string>(StringComparer.Ordinal);
        void Walk(string project)
        {
            if (!reached.Add(project))
            {
                return;
            }
            var folder = Path.GetDirectoryName(project)!;
            foreach (Match reference in Regex.Matches(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, project)), @"<ProjectReference Include=""([^""]+)"""))
            {
                var full = Path.GetFullPath(Path.Combine(TestData.RepositoryRoot, folder, reference.Groups[1].Value.Replace('\\', '/')));
                Walk(Path.GetRelativePath(TestData.RepositoryRoot, full).Replace('\\', '/'));
            }
        }
        Walk("src/StyleGrpc.Server/StyleGrpc.Server.csproj");
        Walk("clients/StyleGrpc.Cli/StyleGrpc.Cli.csproj");
        var restore = Array.FindIndex(Lines, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal));

        Assert.True(reached.Count >= 5, string.Join(", ", reached));
        Assert.All(reached, project => Assert.Contains($"COPY {project} {Path.GetDirectoryName(project)}/", Lines[..restore]));
    }

    [Fact]
    public void HealthCheck_AsksTheShippedCliForReadiness_OnTheGrpcPortTheServerListensOn()
    {
        var healthCheck = Assert.Single(Lines, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.Contains("CMD [\"dotnet\", \"/app/cli/stylegrpc.dll\", \"health\"]", healthCheck);
        Assert.Matches(@"--start-period=\d+s", healthCheck);
        var text = string.Join('\n', Lines);
        // The build stage publishes the CLI where the check runs it.
        Assert.Matches(@"dotnet publish clients/StyleGrpc\.Cli/StyleGrpc\.Cli\.csproj .*-o /app/cli\b", text);
        // The CLI calls $STYLEGRPC_SERVER: the loopback address of the port the gRPC endpoint listens on.
        var grpc = new Uri(Regex.Match(text, @"Kestrel__Endpoints__Grpc__Url=(\S+)").Groups[1].Value);
        var cliServer = new Uri(Regex.Match(text, @"STYLEGRPC_SERVER=(\S+)").Groups[1].Value);
        Assert.Equal("127.0.0.1", cliServer.Host);
        Assert.Equal(grpc.Port, cliServer.Port);
        // It runs as the non-root user, after the server is configured.
        Assert.True(Array.FindIndex(Lines, l => l == "USER app") < Array.IndexOf(Lines, healthCheck));
    }
}
