using Microsoft.Extensions.Options;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// The shutdown order operators rely on. On SIGTERM (the application's stopping signal, before the web server
/// stops): health turns NOT_SERVING, new calls get UNAVAILABLE and queued jobs are refused with UNAVAILABLE,
/// at once. Then, before the web server stops, running jobs get <see cref="StyleGrpcServerOptions.DrainTimeoutSeconds"/>
/// to finish; the rest are stopped and their callers get UNAVAILABLE as a real status. Only then does the web server stop.
/// </summary>
public sealed class GracefulShutdown(
    IHostApplicationLifetime lifetime,
    JobScheduler scheduler,
    JobRunner runner,
    IOptions<StyleGrpcServerOptions> options,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService
{
    private CancellationTokenRegistration stopping;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        stopping = lifetime.ApplicationStopping.Register(BeginDrain);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service stops, so before the web server stops.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        var drain = TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds);
        ServerLog.Draining(logger, scheduler.Running, options.Value.DrainTimeoutSeconds);
        await runner.DrainAsync(drain, cancellationToken).ConfigureAwait(false);
        ServerLog.Drained(logger, runner.Active);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        stopping.Dispose();
        return Task.CompletedTask;
    }

    private void BeginDrain()
    {
        if (!scheduler.IsStopping)
        {
            ServerLog.Stopping(logger, scheduler.Waiting);
            scheduler.BeginDrain();
        }
    }
}
