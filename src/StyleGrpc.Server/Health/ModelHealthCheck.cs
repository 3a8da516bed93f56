using Microsoft.Extensions.Diagnostics.HealthChecks;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;

namespace StyleGrpc.Server.Health;

/// <summary>Healthy (SERVING) once the feature network is loaded, until the server starts to stop.</summary>
public sealed class ModelHealthCheck(ModelHost host, JobScheduler scheduler) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(scheduler.IsStopping
            ? HealthCheckResult.Unhealthy("the server is stopping")
            : host.IsReady
                ? HealthCheckResult.Healthy(host.Engine.Network.Info.Description)
                : HealthCheckResult.Unhealthy(host.LoadError?.Message ?? "loading the feature network"));
}
