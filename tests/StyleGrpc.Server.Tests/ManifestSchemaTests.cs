using System.Diagnostics;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// build/validate-manifests.sh, run for real: the Kubernetes manifests rendered by kubectl kustomize and validated against
/// the Kubernetes OpenAPI and KEDA CRD schemas, and docker/compose.yaml against the Compose specification. It needs kubectl,
/// node and npm (build/test.sh installs them); without them the script fails, and so do these tests.
/// </summary>
public sealed class ManifestSchemaTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static async Task<(int ExitCode, string Output)> ValidateAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(TestData.RepositoryRoot, "build", "validate-manifests.sh"), .. arguments])
        {
            WorkingDirectory = TestData.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"build/validate-manifests.sh ran longer than {Timeout}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void Replace(string file, string oldText, string newText)
    {
        var text = File.ReadAllText(file);
        Assert.Contains(oldText, text);
        File.WriteAllText(file, text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateManifests_TheRepositorysManifests_EveryObjectIsValid()
    {
        var (exitCode, output) = await ValidateAsync();

        Assert.True(exitCode == 0, output);
        foreach (var kind in new[]
        {
            "v1/Namespace/stylegrpc", "v1/ConfigMap/stylegrpc", "v1/Secret/stylegrpc-keys", "v1/Service/stylegrpc",
            "v1/Service/stylegrpc-redis", "apps/v1/Deployment/stylegrpc", "apps/v1/StatefulSet/stylegrpc-redis",
            "policy/v1/PodDisruptionBudget/stylegrpc", "keda.sh/v1alpha1/ScaledObject/stylegrpc",
        })
        {
            // Once for the base, once for the cuda overlay.
            Assert.Equal(2, output.Split('\n').Count(l => l == $"{kind}: OK"));
        }
        Assert.Contains("docker/compose.yaml: OK", output);
        Assert.DoesNotContain("ERROR", output);
    }

    [Fact]
    public async Task ValidateManifests_SchemaErrors_FailsNamingTheObjectAndTheField()
    {
        var copy = Directory.CreateTempSubdirectory("stylegrpc-manifests-");
        try
        {
            var kubernetes = Path.Combine(copy.FullName, "kubernetes");
            CopyDirectory(Path.Combine(TestData.RepositoryRoot, "deploy", "kubernetes"), kubernetes);
            Replace(Path.Combine(kubernetes, "base", "deployment.yaml"), "\n  replicas: 2\n", "\n  replicas: \"two\"\n");
            Replace(Path.Combine(kubernetes, "base", "scaledobject.yaml"), "\n  minReplicaCount: 2\n", "\n  minReplicaCount: \"two\"\n");
            var compose = Path.Combine(copy.FullName, "compose.yaml");
            File.Copy(Path.Combine(TestData.RepositoryRoot, "docker", "compose.yaml"), compose);
            Replace(compose, "\n  stop_grace_period: 60s\n", "\n  stop_grace_period: 60s\n  stop_grace_perod: 60s\n");

            var (exitCode, output) = await ValidateAsync("--kubernetes", kubernetes, "--compose", compose);

            Assert.True(exitCode == 1, output);
            Assert.Equal(2, output.Split('\n').Count(l => l == "apps/v1/Deployment/stylegrpc: ERROR spec.replicas: must be integer"));
            Assert.Equal(2, output.Split('\n').Count(l => l == "keda.sh/v1alpha1/ScaledObject/stylegrpc: ERROR spec.minReplicaCount: must be integer"));
            Assert.Contains("ERROR services.stylegrpc-1: unknown field stop_grace_perod", output);
            // Only the broken objects fail.
            Assert.Contains("apps/v1/StatefulSet/stylegrpc-redis: OK", output);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }
}
