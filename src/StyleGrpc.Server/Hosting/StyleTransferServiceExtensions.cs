using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Services;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Hosting;

/// <summary>All of the server's wiring in one place.</summary>
public static class StyleTransferServiceExtensions
{
    /// <summary>
    /// Registers options, access (API keys, roles, quotas), the model host, registry, job runner and scheduler,
    /// graceful shutdown, gRPC (with raised message limits), health and reflection.
    /// </summary>
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
        services.AddHostedService<AccessGuard>();
        services.TryAddSingleton(new ModelLoadGate());
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddSingleton<StyleRegistry>();
        services.AddSingleton<JobMemoryEstimator>();
        services.AddSingleton<JobScheduler>();
        services.AddSingleton<CallerQuotas>();
        services.AddSingleton<JobRunner>();
        services.AddHostedService<GracefulShutdown>();
        // The drain runs before the web server stops; the web server then needs only a moment for the last statuses.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.DrainTimeoutSeconds + 20));
        // Whole images travel in single messages: Kestrel's body limit and gRPC's message limits follow MaxRequestBytes.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = transportLimit);

        services.AddAuthentication(AccessRoles.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AccessRoles.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessRoles.Admin, p => p.RequireRole(AccessRoles.Admin))
            .AddPolicy(AccessRoles.User, p => p.RequireRole(AccessRoles.User));

        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = maxBytes;
            o.MaxSendMessageSize = null;
            o.Interceptors.Add<ErrorMappingInterceptor>();
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false).AddCheck<ModelHealthCheck>("model");
        return services;
    }

    /// <summary>Maps authentication, the StyleGrpc service, health and reflection.</summary>
    public static WebApplication MapStyleTransfer(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<StyleRegistry>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<StyleTransferGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
