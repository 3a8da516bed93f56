using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Model;

/// <summary>
/// Loads the feature network once per process, in the background so the server can answer health
/// checks (NOT_SERVING) meanwhile, and hands the one engine to every job.
/// </summary>
public sealed class ModelHost(IOptions<StyleGrpcServerOptions> options, ModelLoadGate gate, ILogger<ModelHost> logger) : IHostedService, IDisposable
{
    private readonly TaskCompletionSource<StyleTransferEngine> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IFeatureNetwork? network;

    /// <summary>True once the network is loaded.</summary>
    public bool IsReady => ready.Task.IsCompletedSuccessfully;

    /// <summary>How long the network took to load (zero until it has).</summary>
    public TimeSpan LoadTime { get; private set; }

    /// <summary>The load failure, if any.</summary>
    public Exception? LoadError => ready.Task.Exception?.InnerException;

    /// <summary>The engine, once loaded. Use <see cref="GetEngineAsync"/> to wait.</summary>
    public StyleTransferEngine Engine => IsReady ? ready.Task.Result : throw new ModelNotReadyException(LoadError);

    /// <summary>Waits for the network to load.</summary>
    public Task<StyleTransferEngine> GetEngineAsync(CancellationToken cancellationToken) => ready.Task.WaitAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(async () =>
        {
            await gate.WhenOpen.ConfigureAwait(false);
            Load();
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The network options the configuration resolves to, with the models folder searched for VGG19 weights.</summary>
    public static FeatureNetworkOptions ResolveNetworkOptions(StyleGrpcServerOptions o) => new()
    {
        Vgg19WeightsPath = string.IsNullOrWhiteSpace(o.Vgg19WeightsPath) ? FindWeights(o.ModelsDirectory) : o.Vgg19WeightsPath,
        Vgg19Sha256 = o.Vgg19Sha256,
        Vgg19DeepestLayer = o.Vgg19DeepestLayer,
        Device = o.Device switch
        {
            DeviceSetting.Cpu => DevicePreference.Cpu,
            DeviceSetting.Cuda => DevicePreference.Cuda,
            _ => DevicePreference.Auto,
        },
        Precision = o.Precision switch
        {
            PrecisionSetting.Float32 => Precision.Float32,
            PrecisionSetting.BFloat16 => Precision.BFloat16,
            _ => Precision.Auto,
        },
    };

    private void Load()
    {
        try
        {
            var clock = Stopwatch.StartNew();
            var networkOptions = ResolveNetworkOptions(options.Value);
            ServerLog.LoadingNetwork(logger, networkOptions.Vgg19WeightsPath ?? "offline default ResNet18 (no VGG19 weights configured)");
            network = FeatureNetworkFactory.Load(networkOptions);
            ServerLog.NetworkReady(logger, network.Info.Name, network.Info.Description, network.Device.type.ToString().ToLowerInvariant(),
                network.Info.WeightsSha256, clock.ElapsedMilliseconds);
            ServerLog.MklDispatch(logger, MklCpuDispatch.Status);
            var o = options.Value;
            ServerLog.JobThreads(logger, CpuQuota.ThreadsPerJob(o.ThreadsPerJob, o.ConcurrentJobs), o.ThreadsPerJob, o.ConcurrentJobs, CpuQuota.Available,
                CpuQuota.Quota is { } quota ? $"CPU quota {quota.ToString("0.###", CultureInfo.InvariantCulture)}" : "no CPU quota");
            LoadTime = clock.Elapsed;
            ready.SetResult(new StyleTransferEngine(network));
        }
        catch (Exception ex)
        {
            ServerLog.NetworkFailed(logger, ex);
            ready.SetException(ex);
        }
    }

    private static string? FindWeights(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }
        return Directory.EnumerateFiles(directory)
            .Where(f => Path.GetFileName(f).StartsWith("vgg19", StringComparison.OrdinalIgnoreCase)
                        && (f.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    public void Dispose() => network?.Dispose();
}
