using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace StyleGrpc.Server.Hosting;

/// <summary>Healthy (SERVING) once the feature network is loaded.</summary>
public sealed class ModelHealthCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsReady
            ? HealthCheckResult.Healthy(host.Engine.Network.Info.Description)
            : HealthCheckResult.Unhealthy(host.LoadError?.Message ?? "loading the feature network"));
}
