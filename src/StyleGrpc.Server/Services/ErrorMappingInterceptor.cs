using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StyleGrpc.Engine;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;
using Status = Google.Rpc.Status;

namespace StyleGrpc.Server.Services;

/// <summary>
/// The one place exceptions become gRPC statuses: bad field → INVALID_ARGUMENT naming it (message
/// <c>field: reason</c> and a <c>google.rpc.BadRequest</c> detail); unknown style → NOT_FOUND; existing ID →
/// ALREADY_EXISTS; full queue, memory budget, caller quota or data directory → RESOURCE_EXHAUSTED (with a
/// <c>retry-after-ms</c> trailer and <c>google.rpc.RetryInfo</c> when waiting helps); stopping or model not
/// loaded → UNAVAILABLE; a stalled reader → ABORTED; the run limit → DEADLINE_EXCEEDED; the caller's
/// cancellation or deadline propagates as is. Anything else is INTERNAL, with the exception text only in
/// Development. While the server drains, StyleGrpc calls are refused with UNAVAILABLE before they start.
/// </summary>
public sealed class ErrorMappingInterceptor(JobScheduler scheduler, ILogger<ErrorMappingInterceptor> logger, IHostEnvironment environment) : Interceptor
{
    /// <summary>Trailer with the milliseconds after which a retry may succeed.</summary>
    public const string RetryAfterTrailer = "retry-after-ms";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            RefuseWhileDraining(context);
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            RefuseWhileDraining(context);
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            RefuseWhileDraining(context);
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    private void RefuseWhileDraining(ServerCallContext context)
    {
        if (scheduler.IsStopping && context.Method.StartsWith("/stylegrpc.", StringComparison.Ordinal))
        {
            throw new ServerStoppingException();
        }
    }

    private RpcException Map(Exception ex, ServerCallContext context)
    {
        var status = ex is OperationCanceledException and not JobStoppedException && context.CancellationToken.IsCancellationRequested
            ? new Status
            {
                Code = (int)(context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled),
                Message = "the call was cancelled",
            }
            : ErrorStatuses.Of(ex, environment.IsDevelopment());
        if (status.Code == (int)StatusCode.Internal)
        {
            ServerLog.UnexpectedError(logger, context.Method, ex);
        }
        var trailers = new Metadata();
        if (status.Details.FirstOrDefault(d => d.Is(RetryInfo.Descriptor))?.Unpack<RetryInfo>() is { } retry)
        {
            trailers.Add(RetryAfterTrailer, ((long)retry.RetryDelay.ToTimeSpan().TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }
        trailers.Add("grpc-status-details-bin", status.ToByteArray());
        return new RpcException(new Grpc.Core.Status((StatusCode)status.Code, status.Message, ex), trailers);
    }

}
