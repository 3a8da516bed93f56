using Grpc.Core;
using Grpc.Core.Interceptors;
using StyleGrpc.Engine;
using StyleGrpc.Server.Hosting;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Services;

/// <summary>
/// The one place exceptions become gRPC statuses: bad field → INVALID_ARGUMENT naming it; unknown
/// style → NOT_FOUND; existing ID → ALREADY_EXISTS; full queue → RESOURCE_EXHAUSTED; shutting down or
/// model not loaded → UNAVAILABLE; the caller's cancellation or deadline propagates as is. Anything
/// else is INTERNAL, with the exception text only in Development.
/// </summary>
public sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger, IHostEnvironment environment) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
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
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    private RpcException Map(Exception ex, ServerCallContext context)
    {
        var (code, message) = ex switch
        {
            RequestFieldException e => (StatusCode.InvalidArgument, e.Message),
            InvalidStyleOptionException e => (StatusCode.InvalidArgument, $"{RequestMapper.FieldOf(e.Field)}: {e.Message}"),
            StyleNotFoundException e => (StatusCode.NotFound, e.Message),
            StyleAlreadyExistsException e => (StatusCode.AlreadyExists, e.Message),
            QueueFullException e => (StatusCode.ResourceExhausted, e.Message),
            ServerStoppingException e => (StatusCode.Unavailable, e.Message),
            ModelNotReadyException e => (StatusCode.Unavailable, e.Message),
            OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
                (context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled, "the call was cancelled"),
            OperationCanceledException => (StatusCode.Unavailable, "the server is shutting down; the job was cancelled"),
            _ => (StatusCode.Internal, environment.IsDevelopment() ? ex.ToString() : "internal error; see the server log"),
        };
        if (code == StatusCode.Internal)
        {
            ServerLog.UnexpectedError(logger, context.Method, ex);
        }
        return new RpcException(new Status(code, message, ex));
    }
}

/// <summary>The job queue is full.</summary>
public sealed class QueueFullException(int capacity) : Exception($"the job queue is full ({capacity} waiting); retry later");
