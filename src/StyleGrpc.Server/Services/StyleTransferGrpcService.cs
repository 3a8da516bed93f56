using System.Security.Claims;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;
using StyleGrpc.Server.Training;

namespace StyleGrpc.Server.Services;

/// <summary>The gRPC surface: validate and map requests, call the registry and the job runner, map results to proto.</summary>
[Authorize(Policy = AccessRoles.User)]
public sealed class StyleTransferGrpcService(
    ModelHost model,
    StyleRegistry registry,
    JobRunner runner,
    JobOperations operations,
    TrainingOperations trainings,
    FeedForwardNetworks networks,
    TrainingPhotoSource photos,
    JobScheduler scheduler,
    IJobQueue queue,
    MemoryBudget memory,
    CallerQuotas quotas,
    RunLimits runLimits,
    Webhooks.WebhookPolicy webhooks,
    Videos.VideoAdmission videos,
    Uploads.VideoUploads uploads,
    IOptions<StyleGrpcServerOptions> options,
    ILogger<StyleTransferGrpcService> logger) : StyleTransferService.StyleTransferServiceBase
{
    private const int DefaultPageSize = 50;

    // How far before this server's deadline a reset still reads as the caller's deadline passing (see Stylize).
    private static readonly TimeSpan DeadlineSkew = TimeSpan.FromSeconds(1);
    private readonly StyleGrpcServerOptions limits = options.Value;

    [Authorize(Policy = AccessRoles.Admin)]
    public override async Task<Style> RegisterStyle(RegisterStyleRequest request, ServerCallContext context)
    {
        quotas.CountRegister(Caller(context));
        var engine = model.Engine;
        var registration = RequestMapper.ToRegistration(request, engine, limits);
        var record = await registry.RegisterAsync(registration, context.CancellationToken);
        return ResponseMapper.ToProto(record);
    }

    public override async Task<Style> GetStyle(GetStyleRequest request, ServerCallContext context) =>
        ResponseMapper.ToProto(await registry.GetAsync(StyleId.FromName(request.Name, "name"), context.CancellationToken));

    public override async Task<ListStylesResponse> ListStyles(ListStylesRequest request, ServerCallContext context)
    {
        var (after, pageSize) = RequestMapper.ToPage(request, DefaultPageSize);
        var (page, more, total) = await registry.ListAsync(after, pageSize, context.CancellationToken);
        var response = new ListStylesResponse { TotalSize = total, NextPageToken = more && page.Count > 0 ? page[^1].Id : "" };
        response.Styles.AddRange(page.Select(ResponseMapper.ToProto));
        return response;
    }

    [Authorize(Policy = AccessRoles.Admin)]
    public override async Task<Empty> DeleteStyle(DeleteStyleRequest request, ServerCallContext context)
    {
        await registry.DeleteAsync(StyleId.FromName(request.Name, "name"), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Google.Api.HttpBody> GetStyleImage(GetStyleImageRequest request, ServerCallContext context)
    {
        var (id, maxSide, format) = RequestMapper.ToImageRequest(request, limits);
        var image = await registry.GetImageAsync(id, context.CancellationToken);
        return maxSide == 0 ? ResponseMapper.ToHttpBody(image) : ResponseMapper.ToHttpBody(image, maxSide, format, limits.MaxPixels);
    }

    public override async Task<ServerInfo> GetServerInfo(GetServerInfoRequest request, ServerCallContext context) =>
        ResponseMapper.ToServerInfo(limits, memory.BudgetBytes, model.IsReady ? model.Engine.Network : null,
            (int)await queue.WaitingAsync() + scheduler.Waiting, scheduler.Running, await registry.CountAsync(context.CancellationToken), registry.QuarantinedCount, scheduler.IsStopping,
            photos.Count, context.GetHttpContext().User.IsInRole(AccessRoles.Admin) ? AccessRoles.Admin : AccessRoles.User, videos.Limits, videos.Available);

    // Submit + Watch: the job is stored and queued like any other, and this call watches it. When the call ends before the
    // job does, the job is cancelled with the call's own reason: the caller left, its deadline passed, or it read nothing
    // for the stall timeout. A watch the server ends (it stops; the job failed) leaves the job as it is.
    public override async Task Stylize(StylizeRequest request, IServerStreamWriter<StylizeResponse> responseStream, ServerCallContext context)
    {
        var spec = await CheckAsync(request, context);
        var caller = OperationsGrpcService.Caller(context);
        var notify = await webhooks.ResolveAsync(request.Notification?.Url, caller.Id, context.CancellationToken);
        var (id, reader) = await operations.SubmitToWatchAsync(spec, caller.Id, RequestMapper.ToJobRequest(request, request.RequestId), notify,
            context.CancellationToken);
        var name = OperationNames.Of(id);
        var stall = TimeSpan.FromSeconds(limits.StallTimeoutSeconds);
        JobStopReason? stop = null;
        try
        {
            await foreach (var frame in operations.WatchAsync(name, 0, caller, context.CancellationToken, reader))
            {
                // The stall timer is its own source: when it fires, the aborted write may cancel the call's token too.
                using var stalled = new CancellationTokenSource(stall);
                using var write = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stalled.Token);
                try
                {
                    await responseStream.WriteAsync(frame, write.Token);
                }
                catch (Exception) when (stalled.IsCancellationRequested)
                {
                    stop = JobStopReason.ReaderStalled;
                    ServerLog.ReaderStalled(logger, name, caller.Id, limits.StallTimeoutSeconds);
                    throw runner.Stopped(JobStopReason.ReaderStalled);
                }
            }
        }
        catch (Exception) when (context.CancellationToken.IsCancellationRequested && stop is null)
        {
            // The caller's own deadline timer starts before the request reaches this server, so a client whose deadline
            // passed resets the call a little before this server's copy of the deadline: within DeadlineSkew it counts as
            // the deadline.
            stop = context.Deadline <= DateTime.UtcNow + DeadlineSkew ? JobStopReason.Deadline : JobStopReason.Caller;
            throw;
        }
        finally
        {
            if (stop is { } reason)
            {
                await operations.CancelAsync(name, caller, CancellationToken.None, reason);
            }
        }
    }

    public override async Task<Google.LongRunning.Operation> SubmitStylize(StylizeRequest request, ServerCallContext context)
    {
        var spec = await CheckAsync(request, context);
        var notify = await webhooks.ResolveAsync(request.Notification?.Url, Caller(context), context.CancellationToken);
        var id = await operations.SubmitAsync(spec, Caller(context), RequestMapper.ToJobRequest(request, request.RequestId), notify, context.CancellationToken);
        return OperationMapper.ToOperation(await operations.GetAsync(OperationNames.Of(id), OperationsGrpcService.Caller(context), context.CancellationToken));
    }

    [Authorize(Policy = AccessRoles.Admin)]
    public override async Task<Google.LongRunning.Operation> TrainStyleNetwork(TrainStyleNetworkRequest request, ServerCallContext context)
    {
        var style = await registry.GetAsync(StyleId.FromName(request.Name, "name"), context.CancellationToken);
        var spec = RequestMapper.ToTraining(request, style, model.Engine, limits.Training);
        var notify = await webhooks.ResolveAsync(request.Notification?.Url, Caller(context), context.CancellationToken);
        var id = await trainings.SubmitAsync(spec, style, Caller(context), RequestMapper.ToJobRequest(request, request.RequestId), notify, context.CancellationToken);
        return OperationMapper.ToOperation(await operations.GetAsync(OperationNames.Of(id), OperationsGrpcService.Caller(context), context.CancellationToken));
    }

    public override async Task<Google.LongRunning.Operation> SubmitStylizeVideo(StylizeVideoRequest request, ServerCallContext context)
    {
        var decode = RequestMapper.ToVideoDecode(request, limits, model.Engine.Network.SizeMultiple);
        var uploaded = request.SourceCase == StylizeVideoRequest.SourceOneofCase.VideoUpload;
        var video = uploaded
            ? await uploads.ReadAsync(request.VideoUpload, Caller(context), "video_upload", context.CancellationToken)
            : request.Video.Memory;
        var (plan, firstFrame) = await videos.InspectAsync(video, decode, uploaded ? "video_upload" : "video", context.CancellationToken);
        var method = await VideoMethodAsync(request, context.CancellationToken);
        var frame = await CheckAsync(RequestMapper.ToVideoFrame(request, firstFrame, method), context);
        var spec = RequestMapper.ToVideoJob(request, video, plan, frame);
        var notify = await webhooks.ResolveAsync(request.Notification?.Url, Caller(context), context.CancellationToken);
        var id = await operations.SubmitAsync(spec, Caller(context), RequestMapper.ToJobRequest(request, request.RequestId), notify, context.CancellationToken);
        return OperationMapper.ToOperation(await operations.GetAsync(OperationNames.Of(id), OperationsGrpcService.Caller(context), context.CancellationToken));
    }

    // A video's frames: as asked, else feed-forward when its registered style has a network serving here (a frame in a
    // fraction of a second), else optimisation.
    private async Task<StylizeMethod> VideoMethodAsync(StylizeVideoRequest request, CancellationToken cancellationToken)
    {
        if (request.Options?.Method is not (null or Protos.V1.Method.Unspecified) || request.StyleCase != StylizeVideoRequest.StyleOneofCase.StyleName)
        {
            return ProtoEnums.ToEngine(request.Options?.Method ?? Protos.V1.Method.Unspecified);
        }
        var style = await registry.GetAsync(StyleId.FromName(request.StyleName, "style_name"), cancellationToken);
        return style.FeedForward is { State: Storage.FeedForwardState.Ready } info && info.Network == model.Engine.Network.Info.Fingerprint
            ? StylizeMethod.FeedForward
            : StylizeMethod.Optimization;
    }

    // A Stylize request checked and planned, its styles registered and, when it needs one, its style's network serving.
    private async Task<Jobs.StylizeJobSpec> CheckAsync(StylizeRequest request, ServerCallContext context)
    {
        var spec = RequestMapper.ToJob(request, model.Engine, limits, runLimits);
        // The request's style and every region's.
        await registry.RequireAsync(spec, context.CancellationToken);
        await networks.RequireServesAsync(spec, model.Engine.Network.Info.Fingerprint, context.CancellationToken);
        return spec;
    }

    public override async Task WatchStylize(WatchStylizeRequest request, IServerStreamWriter<StylizeResponse> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0)
        {
            throw new RequestFieldException("after_sequence", "must be ≥ 0");
        }
        await foreach (var frame in operations.WatchAsync(request.Name, request.AfterSequence, OperationsGrpcService.Caller(context), context.CancellationToken))
        {
            await responseStream.WriteAsync(frame, context.CancellationToken);
        }
    }

    public override async Task<VideoUpload> UploadVideo(IAsyncStreamReader<UploadVideoRequest> requestStream, ServerCallContext context) =>
        ResponseMapper.ToProto(await uploads.ReceiveAsync(Pieces(requestStream, context.CancellationToken), Caller(context), context.CancellationToken));

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Pieces(IAsyncStreamReader<UploadVideoRequest> requestStream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var piece in requestStream.ReadAllAsync(cancellationToken))
        {
            yield return piece.Data.Memory;
        }
    }

    public override async Task ReadVideoResult(ReadVideoResultRequest request, IServerStreamWriter<VideoChunk> responseStream, ServerCallContext context)
    {
        await foreach (var chunk in operations.ReadVideoResultAsync(request.Name, OperationsGrpcService.Caller(context), context.CancellationToken))
        {
            await responseStream.WriteAsync(chunk, context.CancellationToken);
        }
    }

    private static string Caller(ServerCallContext context) =>
        context.GetHttpContext().User.FindFirstValue(ClaimTypes.NameIdentifier) ?? AccessRoles.Anonymous;
}
