using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Health;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Services;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Hosting;

/// <summary>All of the server's wiring in one place.</summary>
public static class StyleTransferServiceExtensions
{
    /// <summary>The readiness name of the standard health service; the empty name is liveness.</summary>
    public const string ReadinessName = "stylegrpc.v1.StyleTransferService";

    private const string Live = "live";
    private const string Ready = "ready";

    /// <summary>
    /// Registers options, access (API keys, roles, quotas), the model host, the style store and registry, the job runner
    /// and scheduler, graceful shutdown, metrics and traces, gRPC (with raised message limits), health and reflection.
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
        AddStore(services, settings);
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

        AddObservability(services, settings);

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
        }).AddJsonTranscoding(o =>
            // The status details the service sends (field violations, retry hints) rendered in HTTP error bodies.
            o.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor, Google.Rpc.RetryInfo.Descriptor));
        if (Endpoint(settings.Http.Url, "StyleGrpc:Http:Url") is { } http)
        {
            // Browsers speak HTTP/1.1 on plain http://; the gRPC endpoint stays HTTP/2-only.
            services.Configure<KestrelServerOptions>(o => o.Listen(http.Address, http.Port, l => l.Protocols = HttpProtocols.Http1));
        }
        services.AddGrpcReflection();
        // Liveness ("") answers while the process does; readiness also needs the model, the store and no drain.
        services.AddGrpcHealthChecks(o =>
            {
                o.UseHealthChecksCache = false;
                o.Services.Map("", r => r.Tags.Contains(Live));
                o.Services.Map(ReadinessName, r => r.Tags.Contains(Ready));
            })
            .AddCheck(Live, () => HealthCheckResult.Healthy("the process answers"), [Live])
            .AddCheck<ModelHealthCheck>("model", tags: [Ready])
            .AddCheck<StoreHealthCheck>("store", tags: [Ready]);
        return services;
    }

    /// <summary>Maps authentication, the metrics endpoint, the StyleGrpc service, health and reflection.</summary>
    public static WebApplication MapStyleTransfer(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<StyleRegistry>();
        var settings = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StyleGrpcServerOptions>>().Value;
        if (MetricsEndpoint(settings) is { } metrics)
        {
            _ = app.Services.GetRequiredService<ServerGauges>();
            // Only on its own port: the gRPC endpoint never answers /metrics.
            app.UseOpenTelemetryPrometheusScrapingEndpoint(c => c.Connection.LocalPort == metrics.Port && c.Request.Path == "/metrics");
            ServerLog.MetricsServed(app.Services.GetRequiredService<ILogger<ServerMetrics>>(), settings.Metrics.Url.TrimEnd('/'));
        }
        if (Endpoint(settings.Http.Url, "StyleGrpc:Http:Url") is { } http)
        {
            // The page and its scripts, on the HTTP port only; shipped next to the server's assembly.
            var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(
                Path.Combine(Path.GetDirectoryName(typeof(StyleTransferServiceExtensions).Assembly.Location)!, "wwwroot"));
            app.UseWhen(c => c.Connection.LocalPort == http.Port, page => page
                .UseDefaultFiles(new DefaultFilesOptions { FileProvider = files })
                .UseStaticFiles(new StaticFileOptions { FileProvider = files }));
            ServerLog.HttpServed(app.Services.GetRequiredService<ILogger<ServerMetrics>>(), settings.Http.Url.TrimEnd('/'));
        }
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<StyleTransferGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    private static void AddStore(IServiceCollection services, StyleGrpcServerOptions settings)
    {
        switch (settings.Store.ToLowerInvariant())
        {
            case "file":
                services.AddSingleton<IStyleStore, FileStyleStore>();
                break;
            case "redis":
                services.AddSingleton<IStyleStore, RedisStyleStore>();
                break;
            default:
                throw new InvalidOperationException($"StyleGrpc:Store must be 'file' or 'redis', not '{settings.Store}'");
        }
    }

    private static void AddObservability(IServiceCollection services, StyleGrpcServerOptions settings)
    {
        services.AddMetrics();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<ServerGauges>();
        var metrics = MetricsEndpoint(settings);
        var otlp = !string.IsNullOrWhiteSpace(settings.Tracing.OtlpEndpoint) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (metrics is null && !otlp)
        {
            return;
        }
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("stylegrpc", serviceVersion: Engine.StyleTransferEngine.Version));
        if (metrics is not null)
        {
            services.Configure<KestrelServerOptions>(o => o.Listen(metrics.Address, metrics.Port, l => l.Protocols = HttpProtocols.Http1));
            telemetry.WithMetrics(m => m
                .AddMeter(ServerMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        }
        if (otlp)
        {
            telemetry.WithTracing(t => t
                .AddSource(ServerMetrics.Jobs.Name)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(o =>
                {
                    if (!string.IsNullOrWhiteSpace(settings.Tracing.OtlpEndpoint))
                    {
                        o.Endpoint = new Uri(settings.Tracing.OtlpEndpoint);
                    }
                }));
        }
    }

    private static IPEndPoint? MetricsEndpoint(StyleGrpcServerOptions settings) => Endpoint(settings.Metrics.Url, "StyleGrpc:Metrics:Url");

    // A plain-HTTP listen address from a setting; null when the setting is empty (switched off).
    private static IPEndPoint? Endpoint(string url, string setting)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException($"{setting} must be an http:// address or empty, not '{url}'");
        }
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "0.0.0.0" or "*" or "+" => IPAddress.Any,
            "[::]" => IPAddress.IPv6Any,
            var host => IPAddress.Parse(host.Trim('[', ']')),
        };
        return new IPEndPoint(address, uri.Port);
    }
}
