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
    public void Keys_ComeFromAFileTheOperatorWrites_NoneShip_AndTheSecretIsMounted()
    {
        var docs = Documents(Base);
        Assert.DoesNotContain(docs, d => S(d, "kind") == "Secret");
        var kustomization = docs.Single(d => S(d, "kind") == "Kustomization");
        var generator = N(kustomization, "secretGenerator", 0);
        Assert.Equal("keys.env", S(generator, "envs", 0));
        Assert.False(File.Exists(Path.Combine(Base, "keys.env")), "keys.env is the operator's and must not be committed");
        Assert.Contains("deploy/kubernetes/base/keys.env", File.ReadAllLines(Path.Combine(TestData.RepositoryRoot, ".gitignore")));
        var container = N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "spec", "containers", 0);
        var fromSecret = ((YamlSequenceNode)N(container, "envFrom")).Children.Where(e => ((YamlMappingNode)e).Children.ContainsKey("secretRef"))
            .Select(e => S(e, "secretRef", "name"));
        Assert.Contains(S(generator, "name"), fromSecret);
        // The example names every setting a key needs, and holds no usable hash.
        var example = File.ReadAllLines(Path.Combine(Base, "keys.env.example")).Where(l => !l.StartsWith('#') && l.Contains('=')).ToList();
        Assert.Contains(example, l => l.StartsWith("StyleGrpc__Keys__0__Sha256=", StringComparison.Ordinal));
        Assert.Contains(example, l => l.StartsWith("StyleGrpc__Keys__0__Role=", StringComparison.Ordinal));
        Assert.DoesNotContain(example, l => Regex.IsMatch(l, "=[0-9a-f]{64}$"));
    }

    [Fact]
    public void Pods_RunUnderRestrictedPodSecurity_WithCpuLimits()
    {
        var docs = Documents(Base);
        foreach (var (kind, name) in new[] { ("Deployment", "stylegrpc"), ("StatefulSet", "stylegrpc-redis") })
        {
            var pod = N(Kind(docs, kind, name), "spec", "template", "spec");
            Assert.Equal("true", S(pod, "securityContext", "runAsNonRoot"));
            Assert.Equal("RuntimeDefault", S(pod, "securityContext", "seccompProfile", "type"));
            var container = N(pod, "containers", 0);
            Assert.Equal("false", S(container, "securityContext", "allowPrivilegeEscalation"));
            Assert.Equal("true", S(container, "securityContext", "readOnlyRootFilesystem"));
            Assert.Equal(["ALL"], ((YamlSequenceNode)N(container, "securityContext", "capabilities", "drop")).Children.Select(c => ((YamlScalarNode)c).Value));
            Assert.NotEmpty(S(container, "resources", "limits", "cpu"));
            Assert.NotEmpty(S(container, "resources", "requests", "cpu"));
        }
        // The server's read-only root: what it writes has a volume (its data, and /tmp).
        var server = N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "spec", "containers", 0);
        var mounts = ((YamlSequenceNode)N(server, "volumeMounts")).Children.Select(m => S(m, "mountPath")).ToList();
        Assert.Contains("/tmp", mounts);
        Assert.Contains("/data", mounts);
    }

    [Fact]
    public void HttpFace_ListensOnEveryInterface_AndTheServiceAndImageExposeIt()
    {
        var docs = Documents(Base);
        var url = new Uri(S(Kind(docs, "ConfigMap", "stylegrpc"), "data", "StyleGrpc__Http__Url"));
        Assert.Equal("0.0.0.0", url.Host);
        var container = N(Kind(docs, "Deployment", "stylegrpc"), "spec", "template", "spec", "containers", 0);
        var ports = ((YamlSequenceNode)N(container, "ports")).Children.ToDictionary(p => S(p, "name"), p => I(p, "containerPort"));
        Assert.Equal(url.Port, ports["http"]);
        Assert.Contains(((YamlSequenceNode)N(Kind(docs, "Service", "stylegrpc"), "spec", "ports")).Children,
            p => S(p, "name") == "http" && S(p, "targetPort") == "http");
        var dockerfile = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docker", "Dockerfile"));
        Assert.Contains($"StyleGrpc__Http__Url=http://0.0.0.0:{url.Port}", dockerfile);
        Assert.Matches(new Regex($@"^EXPOSE .*\b{url.Port}\b", RegexOptions.Multiline), dockerfile);
    }

    [Fact]
    public void Compose_GracePeriodOutlastsTheServersOwnShutdownTimeout()
    {
        var compose = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(TestData.RepositoryRoot, "docker", "compose.yaml")))
        {
            compose.Load(reader);
        }
        var service = N(compose.Documents[0].RootNode, "x-stylegrpc");
        var grace = int.Parse(S(service, "stop_grace_period").TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
        var drain = int.Parse(S(service, "environment", "StyleGrpc__DrainTimeoutSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        // The host's shutdown timeout is the drain + 20 s (StyleTransferServiceExtensions): compose must not kill it first.
        Assert.True(grace > drain + 20, $"stop_grace_period {grace} s ≤ drain {drain} s + 20 s");
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
        var statefulSet = Kind(Documents(Base), "StatefulSet", "stylegrpc-redis");
        var redis = (YamlSequenceNode)N(statefulSet, "spec", "template", "spec", "containers", 0, "args");
        Assert.Equal(["--appendonly", "yes", "--appendfsync", "everysec"], redis.Children.Take(4).Select(c => ((YamlScalarNode)c).Value));
        // Its data outlives the pod: a claim per replica, mounted where Redis writes its AOF.
        var claim = S(statefulSet, "spec", "volumeClaimTemplates", 0, "metadata", "name");
        var mount = ((YamlSequenceNode)N(statefulSet, "spec", "template", "spec", "containers", 0, "volumeMounts")).Children.Single(m => S(m, "name") == claim);
        Assert.Equal("/data", S(mount, "mountPath"));
        var pod = (YamlMappingNode)N(statefulSet, "spec", "template", "spec");
        Assert.False(pod.Children.ContainsKey("volumes") && ((YamlSequenceNode)pod["volumes"]).Children.Any(v => S(v, "name") == claim),
            "the claim's volume is shadowed by a pod volume of the same name");
        var compose = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docker", "compose.yaml"));
        Assert.Contains("\"redis-server\", \"--appendonly\", \"yes\", \"--appendfsync\", \"everysec\"", compose);
    }

    [Fact]
    public void Autoscaler_ScalesOnTheFleetWideQueue_AMetricTheServerExportsForTheFleet()
    {
        var scaledObject = Kind(Documents(Base), "ScaledObject");
        Assert.Equal("stylegrpc", S(scaledObject, "spec", "scaleTargetRef", "name"));
        var query = S(scaledObject, "spec", "triggers", 0, "metadata", "query");
        var metric = Regex.Match(query, "stylegrpc_[a-z_]+").Value;
        Assert.Equal("stylegrpc_fleet_queue_depth", metric);
        // The gauge the server registers for the fleet's queue (Observability/ServerGauges.cs), by its OpenTelemetry name.
        var gauges = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "src", "StyleGrpc.Server", "Observability", "ServerGauges.cs"));
        Assert.Contains($"CreateObservableGauge(\"{metric.Replace('_', '.')}\", () => QueueWaiting", gauges);
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
        // The overlay's image entry names the image the base's entry makes (the overlay transforms the base's output):
        // under any other name the GPU pods would run the CPU image.
        var baseImage = N(Documents(Base).Single(d => S(d, "kind") == "Kustomization"), "images", 0);
        var overlayImage = N(Documents(overlay).Single(d => S(d, "kind") == "Kustomization"), "images", 0);
        Assert.Equal(S(baseImage, "newName"), S(overlayImage, "name"));
    }
}
