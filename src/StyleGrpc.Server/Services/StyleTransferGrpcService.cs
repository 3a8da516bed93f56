using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Hosting;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Services;

/// <summary>The gRPC surface: validate, call the registry, scheduler and engine, map to proto.</summary>
public sealed class StyleTransferGrpcService(
    ModelHost model,
    StyleRegistry registry,
    JobScheduler scheduler,
    IOptions<StyleGrpcServerOptions> options,
    ILogger<StyleTransferGrpcService> logger) : StyleTransferService.StyleTransferServiceBase
{
    private const int DefaultPageSize = 50;
    private readonly StyleGrpcServerOptions limits = options.Value;

    public override async Task<Style> RegisterStyle(RegisterStyleRequest request, ServerCallContext context)
    {
        var id = StyleId.Validate(request.StyleId, "style_id");
        if (request.DisplayName.Length > 200)
        {
            throw new RequestFieldException("display_name", "must be at most 200 characters");
        }
        var styleSize = request.StyleSize == 0 ? Math.Min(limits.DefaultStyleSize, limits.MaxSide) : request.StyleSize;
        if (styleSize < 16 || styleSize > limits.MaxSide)
        {
            throw new RequestFieldException("style_size", $"must be between 16 and {limits.MaxSide} pixels");
        }
        _ = model.Engine;
        RequireSize(request.Image.Length, "image");
        var record = await registry.RegisterAsync(id, request.DisplayName, request.Image.ToByteArray(), styleSize, request.Preset,
            request.Replace, context.CancellationToken);
        return ResponseMapper.ToProto(record);
    }

    public override Task<Style> GetStyle(GetStyleRequest request, ServerCallContext context) =>
        Task.FromResult(ResponseMapper.ToProto(registry.Get(StyleId.FromName(request.Name, "name"))));

    public override Task<ListStylesResponse> ListStyles(ListStylesRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > 1000)
        {
            throw new RequestFieldException("page_size", "must be between 0 and 1000");
        }
        string? after = null;
        if (!string.IsNullOrEmpty(request.PageToken))
        {
            after = StyleId.IsValid(request.PageToken) ? request.PageToken : throw new RequestFieldException("page_token", "is not a token this server issued");
        }
        var (page, more, total) = registry.List(after, request.PageSize == 0 ? DefaultPageSize : request.PageSize);
        var response = new ListStylesResponse { TotalSize = total, NextPageToken = more ? page[^1].Id : "" };
        response.Styles.AddRange(page.Select(ResponseMapper.ToProto));
        return Task.FromResult(response);
    }

    public override async Task<Empty> DeleteStyle(DeleteStyleRequest request, ServerCallContext context)
    {
        await registry.DeleteAsync(StyleId.FromName(request.Name, "name"), context.CancellationToken);
        return new Empty();
    }

    public override Task<ServerInfo> GetServerInfo(GetServerInfoRequest request, ServerCallContext context)
    {
        var info = new ServerInfo
        {
            Version = StyleTransferEngine.Version,
            Limits = new Limits
            {
                MaxRequestBytes = limits.MaxRequestBytes,
                MaxPixels = limits.MaxPixels,
                MaxSide = limits.MaxSide,
                MaxIterations = limits.MaxIterations,
                MaxPreviews = limits.MaxPreviews,
                QueueCapacity = limits.QueueCapacity,
                ConcurrentJobs = limits.ConcurrentJobs,
            },
            QueuedJobs = scheduler.Waiting,
            RunningJobs = scheduler.Running,
            Styles = registry.Count,
        };
        if (model.IsReady)
        {
            var network = model.Engine.Network;
            info.Device = network.Device.type.ToString().ToLowerInvariant();
            info.Network = new Protos.V1.NetworkInfo
            {
                Name = network.Info.Name,
                Description = network.Info.Description,
                WeightsSha256 = network.Info.WeightsSha256,
                OfflineDefault = network.Info.IsOfflineDefault,
                Precision = network.Info.Precision == Engine.Networks.Precision.BFloat16 ? "bfloat16" : "float32",
            };
            info.Network.Layers.AddRange(network.LayerNames);
            info.Network.Presets.AddRange(network.Presets.Select(p => p.Name));
        }
        return Task.FromResult(info);
    }

    public override async Task Stylize(StylizeRequest request, IServerStreamWriter<StylizeResponse> responseStream, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        var cancellationToken = context.CancellationToken;
        var engine = model.Engine;
        RequireSize(request.ContentImage.Length + (request.StyleCase == StylizeRequest.StyleOneofCase.StyleImage ? request.StyleImage.Length : 0),
            request.StyleCase == StylizeRequest.StyleOneofCase.StyleImage ? "style_image" : "content_image");
        var job = RequestMapper.ToJob(request, engine, registry, limits);
        var jobId = Guid.NewGuid().ToString("N")[..12];
        using var ticket = scheduler.TryEnqueue(jobId) ?? throw new QueueFullException(limits.QueueCapacity);
        ServerLog.JobAccepted(logger, jobId, job.Style.Describe(), job.Width, job.Height, job.Options.Iterations, ticket.Position);
        var outcome = "failed";
        var iterations = 0;
        TimeSpan queueTime = TimeSpan.Zero, runTime = TimeSpan.Zero;
        try
        {
            await responseStream.WriteAsync(new StylizeResponse { Accepted = new Accepted { JobId = jobId, QueuePosition = ticket.Position } }, cancellationToken);
            await WaitForTurnAsync(ticket, responseStream, cancellationToken);
            queueTime = clock.Elapsed;

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, scheduler.ShutdownToken);
            var targets = await job.Style.ResolveAsync(registry, engine, job.Options.Preset, job.Options.MaxSide, linked.Token);
            await responseStream.WriteAsync(new StylizeResponse
            {
                Started = new Started
                {
                    Width = job.Width,
                    Height = job.Height,
                    TotalIterations = job.Options.Iterations,
                    QueueTime = Duration.FromTimeSpan(queueTime),
                    Network = engine.Network.Info.Name,
                },
            }, cancellationToken);

            var minInterval = TimeSpan.FromSeconds(1 / Math.Max(0.1, limits.MaxProgressFramesPerSecond));
            var lastSent = -minInterval;
            await foreach (var update in engine.RunAsync(job.Content, targets, job.Options, linked.Token))
            {
                switch (update)
                {
                    case StyleTransferStep { Progress: var p }:
                        iterations = p.Iteration;
                        var due = p.Preview is not null || p.Iteration == p.TotalIterations || p.Elapsed - lastSent >= minInterval;
                        if (due)
                        {
                            lastSent = p.Elapsed;
                            await responseStream.WriteAsync(new StylizeResponse { Progress = ResponseMapper.ToProto(p, job.OutputFormat, job.Quality) }, cancellationToken);
                        }
                        break;
                    case StyleTransferCompleted { Result: var result }:
                        iterations = result.IterationsRun;
                        runTime = result.Elapsed;
                        await responseStream.WriteAsync(new StylizeResponse
                        {
                            Result = ResponseMapper.ToProto(jobId, result, job.OutputFormat, job.Quality, queueTime, clock.Elapsed),
                        }, cancellationToken);
                        break;
                }
            }
            outcome = "completed";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = context.Deadline <= DateTime.UtcNow ? "deadline exceeded" : "cancelled by the client";
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled by shutdown";
            throw;
        }
        finally
        {
            ServerLog.JobFinished(logger, jobId, outcome, iterations, (long)queueTime.TotalMilliseconds, (long)runTime.TotalMilliseconds);
        }
    }

    private void RequireSize(long bytes, string field)
    {
        if (bytes > limits.MaxRequestBytes)
        {
            throw new RequestFieldException(field, $"the request carries {bytes} bytes of images, above the limit of {limits.MaxRequestBytes}");
        }
    }

    private static async Task WaitForTurnAsync(JobTicket ticket, IServerStreamWriter<StylizeResponse> stream, CancellationToken cancellationToken)
    {
        var reported = ticket.Position;
        while (!ticket.Started.IsCompleted)
        {
            await Task.WhenAny(ticket.NextChange(), ticket.Started).WaitAsync(cancellationToken);
            if (!ticket.Started.IsCompleted && ticket.Position != reported)
            {
                reported = ticket.Position;
                await stream.WriteAsync(new StylizeResponse { Queued = new Queued { QueuePosition = reported } }, cancellationToken);
            }
        }
        await ticket.Started;
    }
}
