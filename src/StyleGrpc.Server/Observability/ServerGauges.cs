using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Observability;

/// <summary>Gauges read from the services that hold the state: queue depth, running jobs, styles, cache bytes, model load time.</summary>
public sealed class ServerGauges
{
    public ServerGauges(ServerMetrics metrics, JobScheduler scheduler, StyleRegistry registry, ModelHost model, Operations.RedisJobQueue? fleet = null)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge("stylegrpc.queue.depth", () => scheduler.Waiting, description: "Jobs waiting for a slot");
        meter.CreateObservableGauge("stylegrpc.jobs.running", () => scheduler.Running, description: "Jobs running");
        meter.CreateObservableGauge("stylegrpc.jobs.running_memory", () => scheduler.RunningBytes, "By", "Estimated peak memory of the running jobs");
        meter.CreateObservableGauge("stylegrpc.styles", () => StyleCount(registry), description: "Registered styles (nothing while the store does not answer)");
        meter.CreateObservableGauge("stylegrpc.styles.quarantined", () => registry.QuarantinedCount, description: "Damaged style entries moved to quarantine since start");
        meter.CreateObservableGauge("stylegrpc.style_cache.size", () => registry.CacheBytes, "By", "Style targets held in memory");
        meter.CreateObservableGauge("stylegrpc.model.load_time", () => model.LoadTime.TotalSeconds, "s", "Time the feature network took to load");
        if (fleet is not null)
        {
            meter.CreateObservableGauge("stylegrpc.fleet.queue.depth", () => FleetWaiting(fleet, model),
                description: "Jobs waiting in the fleet's queue (Store=redis), over every caller: what the autoscaler reads");
        }
        meter.CreateObservableGauge("stylegrpc.ready", () => model.IsReady && !scheduler.IsStopping ? 1 : 0, description: "1 when this replica takes jobs");
    }

    private static IEnumerable<System.Diagnostics.Metrics.Measurement<long>> FleetWaiting(Operations.RedisJobQueue fleet, ModelHost model)
    {
        long waiting;
        try
        {
            if (!model.IsReady)
            {
                yield break;
            }
            waiting = fleet.WaitingAsync().WaitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            yield break;
        }
        yield return new System.Diagnostics.Metrics.Measurement<long>(waiting);
    }

    private static IEnumerable<System.Diagnostics.Metrics.Measurement<int>> StyleCount(StyleRegistry registry)
    {
        int count;
        try
        {
            count = registry.CountAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is Storage.StoreUnavailableException or TimeoutException)
        {
            yield break;
        }
        yield return new System.Diagnostics.Metrics.Measurement<int>(count);
    }
}
