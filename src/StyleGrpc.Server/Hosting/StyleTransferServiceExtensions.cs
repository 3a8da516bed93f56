using Grpc.AspNetCore.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Services;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Hosting;

/// <summary>All of the server's wiring in one place.</summary>
public static class StyleTransferServiceExtensions
{
    /// <summary>Registers options, the model host, registry, scheduler, gRPC (with raised message limits), health and reflection.</summary>
    public static IServiceCollection AddStyleTransfer(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StyleGrpcServerOptions.Section);
        services.Configure<StyleGrpcServerOptions>(section);
        var settings = section.Get<StyleGrpcServerOptions>() ?? new StyleGrpcServerOptions();
        // Slack above MaxRequestBytes so the service itself can answer INVALID_ARGUMENT naming the field
        // for requests slightly over; far larger ones meet gRPC's own RESOURCE_EXHAUSTED.
        var transportLimit = settings.MaxRequestBytes + 1024 * 1024;
        var maxBytes = (int)Math.Min(int.MaxValue, transportLimit);

        services.AddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ModelLoadGate());
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddSingleton<StyleRegistry>();
        services.AddSingleton<JobScheduler>();
        services.AddHostedService<SchedulerShutdown>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.DrainTimeoutSeconds + 5));
        // Whole images travel in single messages: Kestrel's body limit and gRPC's message limits follow MaxRequestBytes.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = transportLimit);

        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = maxBytes;
            o.MaxSendMessageSize = null;
            o.Interceptors.Add<ErrorMappingInterceptor>();
            o.Interceptors.Add<ApiKeyInterceptor>();
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false).AddCheck<ModelHealthCheck>("model");
        return services;
    }

    /// <summary>Maps the StyleGrpc service, health and reflection.</summary>
    public static WebApplication MapStyleTransfer(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<StyleRegistry>();
        app.MapGrpcService<StyleTransferGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>Drains the scheduler when the host stops.</summary>
    private sealed class SchedulerShutdown(JobScheduler scheduler, IOptions<StyleGrpcServerOptions> options, ILogger<SchedulerShutdown> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            ServerLog.Draining(logger, scheduler.Running, options.Value.DrainTimeoutSeconds);
            return scheduler.StopAsync(TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds), cancellationToken);
        }
    }
}
