using Microsoft.Extensions.Diagnostics.HealthChecks;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Health;

/// <summary>Readiness: the style store answers. Logs when it stops answering (with the reason) and when it is back.</summary>
public sealed class StoreHealthCheck(IStyleStore store, ILogger<StoreHealthCheck> logger) : IHealthCheck
{
    private int lastReachable = -1;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (reachable, detail) = await store.CheckAsync(cancellationToken).ConfigureAwait(false);
        var now = reachable ? 1 : 0;
        if (Interlocked.Exchange(ref lastReachable, now) != now)
        {
            if (reachable)
            {
                ServerLog.StoreReachable(logger, detail);
            }
            else
            {
                ServerLog.StoreUnreachable(logger, detail);
            }
        }
        return reachable ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail);
    }
}
