using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Observability;

/// <summary>Gauges read from the services that hold the state: queue depth, running jobs, styles, cache bytes, model load time.</summary>
public sealed class ServerGauges
{
    public ServerGauges(ServerMetrics metrics, JobScheduler scheduler, StyleRegistry registry, ModelHost model, Operations.IJobQueue queue)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge("stylegrpc.queue.depth", () => QueueWaiting(queue, model).Select(m => new System.Diagnostics.Metrics.Measurement<long>(m.Value + scheduler.Waiting)),
            description: "Jobs queued and not running yet: the job queue's (the fleet's, with Store=redis) and those waiting here for room in the memory budget");
        meter.CreateObservableGauge("stylegrpc.jobs.running", () => scheduler.Running, description: "Jobs running");
        meter.CreateObservableGauge("stylegrpc.jobs.running_memory", () => scheduler.RunningBytes, "By", "Estimated peak memory of the running jobs");
        meter.CreateObservableGauge("stylegrpc.styles", () => StyleCount(registry), description: "Registered styles (nothing while the store does not answer)");
        meter.CreateObservableGauge("stylegrpc.styles.quarantined", () => registry.QuarantinedCount, description: "Damaged style entries moved to quarantine since start");
        meter.CreateObservableGauge("stylegrpc.style_cache.size", () => registry.CacheBytes, "By", "Style targets held in memory");
        meter.CreateObservableGauge("stylegrpc.model.load_time", () => model.LoadTime.TotalSeconds, "s", "Time the feature network took to load");
        meter.CreateObservableGauge("stylegrpc.fleet.queue.depth", () => QueueWaiting(queue, model),
            description: "Jobs waiting in the job queue (the fleet's, with Store=redis), over every caller: what the autoscaler reads");
        meter.CreateObservableGauge("stylegrpc.ready", () => model.IsReady && !scheduler.IsStopping ? 1 : 0, description: "1 when this replica takes jobs");
    }

    private static IEnumerable<System.Diagnostics.Metrics.Measurement<long>> QueueWaiting(Operations.IJobQueue queue, ModelHost model)
    {
        long waiting;
        try
        {
            if (!model.IsReady)
            {
                yield break;
            }
            waiting = queue.WaitingAsync().WaitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
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
