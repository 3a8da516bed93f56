using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Health;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Services;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;
using StyleGrpc.Server.Training;

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
    /// and scheduler, graceful shutdown, metrics and traces, gRPC (with raised message limits) and its JSON transcoding with
    /// the OpenAPI document generator, health and reflection.
    /// </summary>
    public static IServiceCollection AddStyleTransfer(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound once and validated before anything runs: a bad value stops the start naming the setting.
        services.AddOptions<StyleGrpcServerOptions>().BindConfiguration(StyleGrpcServerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StyleGrpcServerOptions>, StyleGrpcServerOptionsValidator>();
        services.AddTransient<IOptionsFactory<StyleGrpcServerOptions>, StyleGrpcServerOptionsFactory>();

        // The same section again, read on every reload by AccessMonitor: the keys change without a restart.
        services.AddOptions<StyleGrpcServerOptions>(AccessMonitor.OptionsName).BindConfiguration(StyleGrpcServerOptions.Section);
        services.AddSingleton<AccessMonitor>();

        services.AddSingleton(TimeProvider.System);
        services.AddHostedService<AccessGuard>();
        services.TryAddSingleton(new ModelLoadGate());
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<IStyleStore>(sp => ServerSettings(sp).Store == StoreSetting.Redis
            ? ActivatorUtilities.CreateInstance<RedisStyleStore>(sp)
            : ActivatorUtilities.CreateInstance<FileStyleStore>(sp));
        // Jobs: in the data directory with a queue in memory for one process, or in Redis with one queue for the fleet (Redis Streams).
        services.AddSingleton<IJobStore>(sp => ServerSettings(sp).Store == StoreSetting.Redis
            ? new RedisJobStore(sp.GetRequiredService<RedisConnection>(),
                string.IsNullOrWhiteSpace(ServerSettings(sp).BlobDirectory) ? null : new JobBlobFolder(ServerSettings(sp).BlobDirectory))
            : ActivatorUtilities.CreateInstance<FileJobStore>(sp));
        services.AddSingleton<IJobQueue>(sp => ServerSettings(sp).Store == StoreSetting.Redis
            ? ActivatorUtilities.CreateInstance<RedisJobQueue>(sp)
            : ActivatorUtilities.CreateInstance<InProcessJobQueue>(sp));
        services.AddSingleton<FeedForwardNetworks>();
        services.AddSingleton<StyleRegistry>();
        services.AddSingleton<TrainingPhotoSource>();
        services.AddSingleton<NetworkTraining>();
        services.AddSingleton<TrainingOperations>();
        services.AddSingleton<MemoryBudget>();
        // The host's limits every job's plan is checked against (StyleTransferEngine.Plan).
        services.AddSingleton(sp => new Engine.RunLimits
        {
            MaxSide = ServerSettings(sp).MaxSide,
            MaxIterations = ServerSettings(sp).MaxIterations,
            MaxPreviews = ServerSettings(sp).MaxPreviews,
            MaxRegions = ServerSettings(sp).MaxRegions,
            MemoryBudgetBytes = sp.GetRequiredService<MemoryBudget>().BudgetBytes,
        });
        services.AddSingleton<JobScheduler>();
        services.AddSingleton<CallerQuotas>();
        services.AddSingleton<Videos.VideoAdmission>();
        services.AddSingleton<Videos.VideoRun>();
        // Videos sent in pieces before their job: beside the jobs, in the data directory or in Redis.
        services.AddSingleton<Uploads.IVideoUploadStore>(sp => ServerSettings(sp).Store == StoreSetting.Redis
            ? ActivatorUtilities.CreateInstance<Uploads.RedisVideoUploadStore>(sp)
            : ActivatorUtilities.CreateInstance<Uploads.FileVideoUploadStore>(sp));
        services.AddSingleton<Uploads.VideoUploads>();
        services.AddHostedService<Uploads.VideoUploadRetention>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<ReplicaAddress>();
        services.AddSingleton<IJobFrames, JobFrames>();
        services.AddSingleton<JobJournal>();
        services.AddSingleton<RemoteJobFeeds>();
        services.AddSingleton<JobResumption>();
        services.AddSingleton<JobOperations>();
        // The one worker, in either mode: it takes queued jobs while this process has a free slot, and resumes stored ones.
        services.AddHostedService<JobWorker>();
        services.AddHostedService<OperationRetention>();
        // Completion webhooks: checked at submission, delivered by every replica from the store's schedule.
        services.AddSingleton<Webhooks.WebhookPolicy>();
        services.AddSingleton<Webhooks.WebhookSender>();
        services.AddHostedService<Webhooks.WebhookDispatcher>();
        services.AddHostedService<GracefulShutdown>();
        // The drain runs before the web server stops; the web server then needs only a moment for the last statuses.
        services.AddOptions<HostOptions>().Configure<IOptions<StyleGrpcServerOptions>>((o, s) =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(s.Value.DrainTimeoutSeconds + 20));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<StyleGrpcServerOptions>>((o, s) =>
        {
            // Whole images travel in single messages: Kestrel's body limit and gRPC's message limits follow MaxRequestBytes.
            // Over HTTP+JSON the bytes come as base64, a third larger, so the body may be that much larger (the decoded
            // message is held to the gRPC limit all the same).
            o.Limits.MaxRequestBodySize = TransportLimit(s.Value) + s.Value.MaxRequestBytes / 3 + 4;
            if (ListenUrl.Parse(s.Value.Http.Url) is { } http)
            {
                // Browsers speak HTTP/1.1 on plain http://; the gRPC endpoint stays HTTP/2-only.
                o.Listen(http, l => l.Protocols = HttpProtocols.Http1);
            }
            if (ListenUrl.Parse(s.Value.Metrics.Url) is { } metrics)
            {
                o.Listen(metrics, l => l.Protocols = HttpProtocols.Http1);
            }
        });

        AddObservability(services, configuration);

        // Keys and tokens both come as authorization: Bearer; the caller scheme hands each request to the one its credential
        // fits. The JwtBearer scheme always exists (JWT may be switched on by a reload); its options follow AccessMonitor.
        services.AddAuthentication(AccessRoles.CallerScheme)
            .AddPolicyScheme(AccessRoles.CallerScheme, null, o => o.ForwardDefaultSelector = SchemeSelector.For)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AccessRoles.Scheme, null)
            .AddJwtBearer(AccessRoles.JwtScheme, _ => { });
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>();
        services.AddSingleton<IOptionsChangeTokenSource<JwtBearerOptions>>(sp => sp.GetRequiredService<AccessMonitor>());
        services.AddSingleton<JwtEvents>();
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessRoles.Admin, p => p.RequireRole(AccessRoles.Admin))
            .AddPolicy(AccessRoles.User, p => p.RequireRole(AccessRoles.User));

        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<StyleGrpcServerOptions>>((o, s) => o.MaxReceiveMessageSize = TransportLimit(s.Value));
        services.AddGrpc(o =>
        {
            o.MaxSendMessageSize = null;
            o.Interceptors.Add<ErrorMappingInterceptor>();
        }).AddJsonTranscoding(o =>
            // The status details the service sends (field violations, retry hints) rendered in HTTP error bodies.
            o.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages([Google.Rpc.BadRequest.Descriptor, Google.Rpc.RetryInfo.Descriptor,
                // Operations carry their metadata and response as Any (the webhooks' body names the same types).
                .. Services.OperationMapper.AnyTypes]));
        services.AddGrpcReflection();
        // The policy itself is built from StyleGrpc:Http:CorsOrigins where the HTTP face is mapped (MapStyleTransfer).
        services.AddCors();
        services.AddOpenApiDocument();
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

    /// <summary>
    /// Adds <c>StyleGrpc:KeysFile</c>, when set, as the last configuration source, watched for changes: the API keys in it
    /// reload without a restart. Call before <see cref="AddStyleTransfer"/>.
    /// </summary>
    public static IConfigurationManager AddStyleTransferKeysFile(this IConfigurationManager configuration)
    {
        // A missing file is reported by the validator, naming the setting. Not watched then either: the watcher would climb to
        // the nearest folder that exists (up to /) and watch everything below it.
        if (configuration[$"{StyleGrpcServerOptions.Section}:{nameof(StyleGrpcServerOptions.KeysFile)}"] is { Length: > 0 } path && File.Exists(path))
        {
            // Optional: the file may be replaced (deleted, then written) while the server runs.
            configuration.AddJsonFile(Path.GetFullPath(path), optional: true, reloadOnChange: true);
        }
        return configuration;
    }

    /// <summary>
    /// Maps the metrics endpoint; on the HTTP port only, CORS for <c>StyleGrpc:Http:CorsOrigins</c>, gRPC-Web, the page and the
    /// OpenAPI document; authentication, the StyleGrpc service, health and reflection.
    /// </summary>
    public static WebApplication MapStyleTransfer(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<StyleRegistry>();
        var settings = ServerSettings(app.Services);
        if (ListenUrl.Parse(settings.Metrics.Url) is { } metrics)
        {
            _ = app.Services.GetRequiredService<ServerGauges>();
            // Only on its own port: the gRPC endpoint never answers /metrics.
            app.UseOpenTelemetryPrometheusScrapingEndpoint(c => c.Connection.LocalPort == metrics.Port && c.Request.Path == "/metrics");
            ServerLog.MetricsServed(app.Services.GetRequiredService<ILogger<ServerMetrics>>(), settings.Metrics.Url.TrimEnd('/'));
        }
        if (ListenUrl.Parse(settings.Http.Url) is { } http)
        {
            // The page and its scripts, on the HTTP port only; shipped next to the server's assembly.
            var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(
                Path.Combine(Path.GetDirectoryName(typeof(StyleTransferServiceExtensions).Assembly.Location)!, "wwwroot"));
            // The OpenAPI document likewise: public like the page, before authentication.
            app.UseWhen(c => c.Connection.LocalPort == http.Port, page => UseBrowserAccess(page, settings.Http)
                .MapWhen(c => HttpMethods.IsGet(c.Request.Method) && c.Request.Path == OpenApiDocument.Path, openApi => openApi.Run(OpenApiDocument.WriteAsync))
                .UseDefaultFiles(new DefaultFilesOptions { FileProvider = files })
                .UseStaticFiles(new StaticFileOptions { FileProvider = files }));
            ServerLog.HttpServed(app.Services.GetRequiredService<ILogger<ServerMetrics>>(), settings.Http.Url.TrimEnd('/'));
        }
        app.UseAuthentication();
        app.UseAuthorization();
        // gRPC-Web is translated on the HTTP port only (UseBrowserAccess); reflection's bidirectional stream has no gRPC-Web form.
        app.MapGrpcService<StyleTransferGrpcService>().EnableGrpcWeb();
        app.MapGrpcService<OperationsGrpcService>().EnableGrpcWeb().Add(ListOperationsBeforeGetOperation);
        app.MapGrpcHealthChecksService().EnableGrpcWeb();
        app.MapGrpcReflectionService();
        // UploadVideo's HTTP form: transcoding has no client streaming.
        app.MapPost(UploadEndpoint.Path, UploadEndpoint.HandleAsync).RequireAuthorization(AccessRoles.User);
        return app;
    }

    // What browsers reach on the HTTP face besides the page: CORS for the origins listed (none: no CORS headers at all), first
    // so that a preflight is answered before authentication and refusals carry the headers too; then gRPC-Web (binary and
    // text, unary and server streaming) over HTTP/1.1, for the services that enable it.
    private static IApplicationBuilder UseBrowserAccess(IApplicationBuilder page, HttpOptions http)
    {
        if (http.CorsOrigins.Count > 0)
        {
            page.UseCors(policy => CrossOriginPolicy.Configure(policy, http.CorsOrigins));
        }
        return page.UseGrpcWeb();
    }

    // GET /v1/operations is ListOperations' route ({name=operations}), but the transcoder maps that rule to a one-segment
    // parameter, /v1/{name}, which ranks below GetOperation's /v1/operations/{**name} (its catch-all matches nothing, so
    // the list answered "operation 'operations/' not found") and, ranked first, would take /v1/info and /v1/styles too.
    // So: first, and only for the literal segment the rule names.
    private static void ListOperationsBeforeGetOperation(EndpointBuilder endpoint)
    {
        if (endpoint is not RouteEndpointBuilder route
            || !endpoint.Metadata.OfType<GrpcJsonTranscodingMetadata>().Any(m => m.MethodDescriptor.Name == "ListOperations"))
        {
            return;
        }
        var onlyOperations = route.RoutePattern.Parameters.ToDictionary(p => p.Name, p => (object?)new RegexRouteConstraint("^operations$"));
        route.RoutePattern = RoutePatternFactory.Pattern(route.RoutePattern.RawText, defaults: null, new RouteValueDictionary(onlyOperations),
            route.RoutePattern.PathSegments);
        route.Order = -1;
    }

    // Whether metrics and traces are on decides which services exist, so it is read at registration: the two settings'
    // raw values (with their documented defaults); the validated options give their addresses once the host is built.
    private static void AddObservability(IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<ServerGauges>();
        var section = configuration.GetSection(StyleGrpcServerOptions.Section);
        var metrics = !string.IsNullOrWhiteSpace(section.GetValue("Metrics:Url", new MetricsOptions().Url));
        var otlpEndpoint = section["Tracing:OtlpEndpoint"];
        var otlp = !string.IsNullOrWhiteSpace(otlpEndpoint) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (!metrics && !otlp)
        {
            return;
        }
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("stylegrpc", serviceVersion: Engine.StyleTransferEngine.Version));
        if (metrics)
        {
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
                    if (!string.IsNullOrWhiteSpace(otlpEndpoint))
                    {
                        o.Endpoint = new Uri(otlpEndpoint);
                    }
                }));
        }
    }

    private static StyleGrpcServerOptions ServerSettings(IServiceProvider services) => services.GetRequiredService<IOptions<StyleGrpcServerOptions>>().Value;

    private static int TransportLimit(StyleGrpcServerOptions settings) => (int)(settings.MaxRequestBytes + StyleGrpcServerOptions.TransportSlackBytes);
}
