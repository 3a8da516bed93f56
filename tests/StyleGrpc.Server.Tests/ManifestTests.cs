extern alias server;

using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// The Kubernetes manifests (deploy/kubernetes), parsed: the fields that matter agree with each other and with the server
/// (probe ports and health names, drain versus grace period, the Secret is mounted, the Service is headless, the HPA metric exists).
/// </summary>
public sealed class ManifestTests
{
    private static readonly string Base = Path.Combine(TestData.RepositoryRoot, "deploy", "kubernetes", "base");

    private static List<YamlMappingNode> Documents(string directory) =>
        Directory.GetFiles(directory, "*.yaml").SelectMany(file =>
        {
            var stream = new YamlStream();
            using var reader = File.OpenText(file);
            stream.Load(reader);
            return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
        }).ToList();

    private static YamlMappingNode Kind(List<YamlMappingNode> docs, string kind, string? name = null) =>
        docs.Single(d => S(d, "kind") == kind && (name is null || S(d, "metadata", "name") == name));

    private static YamlNode N(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step is int index ? ((YamlSequenceNode)node).Children[index] : ((YamlMappingNode)node).Children[new YamlScalarNode((string)step)];
        }
        return node;
    }

    private static string S(YamlNode node, params object[] path) => ((YamlScalarNode)N(node, path)).Value ?? "";

    private static int I(YamlNode node, params object[] path) => int.Parse(S(node, path), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Kustomization_ListsEveryManifestAndOnlyExistingOnes()
    {
        var kustomization = Documents(Base).Single(d => S(d, "kind") == "Kustomization");
        var listed = ((YamlSequenceNode)N(kustomization, "resources")).Children.Select(c => ((YamlScalarNode)c).Value!).Order().ToList();
        var present = Directory.GetFiles(Base, "*.yaml").Select(f => Path.GetFileName(f)).Where(f => f != "kustomization.yaml").Order().ToList();
        Assert.Equal(present, listed);
    }

    [Fact]
    public void Deployment_ProbesUseTheGrpcPortAndTheTwoHealthNames()
    {
        var docs = Documents(Base);
        var container = N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "spec", "containers", 0);
        var ports = ((YamlSequenceNode)N(container, "ports")).Children.ToDictionary(p => S(p, "name"), p => I(p, "containerPort"));
        Assert.Equal(50051, ports["grpc"]);
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal(ports["grpc"], I(container, probe, "grpc", "port"));
        }
        Assert.Equal("", S(container, "livenessProbe", "grpc", "service"));
        Assert.Equal("", S(container, "startupProbe", "grpc", "service"));
        Assert.Equal(server::StyleGrpc.Server.Hosting.StyleTransferServiceExtensions.ReadinessName, S(container, "readinessProbe", "grpc", "service"));

        // The ports the configuration makes the server listen on are the ones the container declares.
        var config = N(Kind(docs, "ConfigMap", "stylegrpc"), "data");
        Assert.Equal(ports["grpc"], new Uri(S(config, "Kestrel__Endpoints__Grpc__Url")).Port);
        Assert.Equal(ports["metrics"], new Uri(S(config, "StyleGrpc__Metrics__Url")).Port);
    }

    [Fact]
    public void Deployment_GracePeriodCoversThePauseAndTheDrain()
    {
        var docs = Documents(Base);
        var pod = N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "spec");
        var drain = I(Kind(docs, "ConfigMap", "stylegrpc"), "data", "StyleGrpc__DrainTimeoutSeconds");
        var pause = I(pod, "containers", 0, "lifecycle", "preStop", "sleep", "seconds");
        var grace = I(pod, "terminationGracePeriodSeconds");
        // The server needs a few seconds after the drain to send the last statuses and exit (docs/reliability.md: 0.2 s measured).
        Assert.True(grace >= pause + drain + 10, $"grace {grace} s < preStop {pause} s + drain {drain} s + 10 s");
    }

    [Fact]
    public void Secret_IsMountedAndHoldsKeysTheServerAccepts()
    {
        var docs = Documents(Base);
        var secret = Kind(docs, "Secret");
        var container = N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "spec", "containers", 0);
        var fromSecret = ((YamlSequenceNode)N(container, "envFrom")).Children.Where(e => ((YamlMappingNode)e).Children.ContainsKey("secretRef"))
            .Select(e => S(e, "secretRef", "name"));
        Assert.Contains(S(secret, "metadata", "name"), fromSecret);
        var data = (YamlMappingNode)N(secret, "stringData");
        var keys = data.Children.Where(p => ((YamlScalarNode)p.Key).Value!.EndsWith("__Sha256", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keys);
        foreach (var (name, hash) in keys)
        {
            Assert.Matches("^[0-9a-f]{64}$", ((YamlScalarNode)hash).Value!);
            var role = S(data, ((YamlScalarNode)name).Value!.Replace("__Sha256", "__Role", StringComparison.Ordinal));
            Assert.Contains(role, new[] { "admin", "user" });
        }
    }

    [Fact]
    public void Service_IsHeadlessForClientSideBalancing_AndEverySelectorMatchesThePods()
    {
        var docs = Documents(Base);
        var labels = (YamlMappingNode)N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "metadata", "labels");
        var service = Kind(docs, "Service", "stylegrpc");
        Assert.Equal("None", S(service, "spec", "clusterIP"));
        Assert.Contains(((YamlSequenceNode)N(service, "spec", "ports")).Children, p => I(p, "port") == 50051 && S(p, "targetPort") == "grpc");
        foreach (var selector in new[] { N(service, "spec", "selector"), N(Kind(docs, "PodDisruptionBudget"), "spec", "selector", "matchLabels") })
        {
            foreach (var (key, value) in ((YamlMappingNode)selector).Children)
            {
                Assert.Equal(((YamlScalarNode)value).Value, ((YamlScalarNode)labels.Children[key]).Value);
            }
        }
        // The Redis the configuration names is the one the manifests deploy.
        var redisHost = S(Kind(docs, "ConfigMap", "stylegrpc"), "data", "StyleGrpc__Redis").Split(':')[0];
        Assert.Equal(redisHost, S(Kind(docs, "Service", "stylegrpc-redis"), "metadata", "name"));
    }

    [Fact]
    public void Redis_KeepsTheJobQueueThroughARestart_AppendOnlyWithAnFsyncEverySecond()
    {
        var redis = (YamlSequenceNode)N(Kind(Documents(Base), "Deployment", "stylegrpc-redis"), "spec", "template", "spec", "containers", 0, "args");
        Assert.Equal(["--appendonly", "yes", "--appendfsync", "everysec"], redis.Children.Select(c => ((YamlScalarNode)c).Value));
        var compose = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docker", "compose.yaml"));
        Assert.Contains("\"redis-server\", \"--appendonly\", \"yes\", \"--appendfsync\", \"everysec\"", compose);
    }

    [Fact]
    public void Autoscaler_ScalesTheDeploymentOnAMetricTheServerExports()
    {
        var hpa = Kind(Documents(Base), "HorizontalPodAutoscaler");
        Assert.Equal("stylegrpc", S(hpa, "spec", "scaleTargetRef", "name"));
        var metric = S(hpa, "spec", "metrics", 0, "pods", "metric", "name");
        // Prometheus name of the gauge "stylegrpc.queue.depth" (Observability/ServerGauges.cs).
        var gauges = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "src", "StyleGrpc.Server", "Observability", "ServerGauges.cs"));
        Assert.Contains($"\"{metric.Replace('_', '.')}\"", gauges);
    }

    [Fact]
    public void CudaOverlay_RequestsAGpuAndTheCudaDevice()
    {
        var overlay = Path.Combine(TestData.RepositoryRoot, "deploy", "kubernetes", "overlays", "cuda");
        var patch = Documents(overlay).Single(d => S(d, "kind") == "Deployment");
        var container = N(patch, "spec", "template", "spec", "containers", 0);
        Assert.Equal("1", S(container, "resources", "limits", "nvidia.com/gpu"));
        Assert.Contains(((YamlSequenceNode)N(container, "env")).Children, e => S(e, "name") == "StyleGrpc__Device" && S(e, "value") == "cuda");
        Assert.Matches(new Regex("-cuda\"?$", RegexOptions.Multiline), File.ReadAllText(Path.Combine(overlay, "kustomization.yaml")));
    }
}
