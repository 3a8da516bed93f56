using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using StyleGrpc.Engine;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;
using Status = Google.Rpc.Status;

namespace StyleGrpc.Server.Errors;

/// <summary>
/// The one table from exceptions to the statuses that end a call or an operation (AIP-193's <c>google.rpc.Status</c>): used by
/// the gRPC edge (<c>ErrorMappingInterceptor</c>) and by the jobs that store their error, so both say the same.
/// </summary>
public static class ErrorStatuses
{
    /// <summary>
    /// The status an exception ends a call (or an operation) with: code, message (<c>field: reason</c> for bad fields), and
    /// details (<c>google.rpc.BadRequest</c> naming the field, <c>google.rpc.RetryInfo</c> when waiting helps).
    /// </summary>
    public static Status Of(Exception ex, bool development)
    {
        if (ex is OperationFailedException failed)
        {
            return failed.Status;
        }
        string? field = null;
        TimeSpan? retryAfter = null;
        var (code, message) = ex switch
        {
            RequestFieldException e => (StatusCode.InvalidArgument, e.Message),
            InvalidStyleOptionException e => (StatusCode.InvalidArgument, $"{OptionFields.ProtoField(e.Field)}: {e.Reason}"),
            StyleNotFoundException e => (StatusCode.NotFound, e.Message),
            StyleAlreadyExistsException e => (StatusCode.AlreadyExists, e.Message),
            OperationNotFoundException e => (StatusCode.NotFound, e.Message),
            OperationNotDoneException e => (StatusCode.FailedPrecondition, e.Message),
            PreconditionFailedException e => (StatusCode.FailedPrecondition, e.Message),
            QueueFullException e => (StatusCode.ResourceExhausted, e.Message),
            MemoryBudgetExceededException e => (StatusCode.ResourceExhausted, e.Message),
            QuotaExceededException e => (StatusCode.ResourceExhausted, e.Message),
            StorageFullException e => (StatusCode.ResourceExhausted, e.Message),
            StoreUnavailableException e => (StatusCode.Unavailable, e.Message),
            ServerStoppingException e => (StatusCode.Unavailable, e.Message),
            ModelNotReadyException e => (StatusCode.Unavailable, e.Message),
            JobStoppedException e => (JobStopReasons.Status(e.Reason), e.Message),
            OperationCanceledException => (StatusCode.Unavailable, "the server is stopping; the job was cancelled"),
            _ => (StatusCode.Internal, development ? ex.ToString() : "internal error; see the server log"),
        };
        switch (ex)
        {
            case RequestFieldException e:
                field = e.Field;
                break;
            case InvalidStyleOptionException e:
                field = OptionFields.ProtoField(e.Field);
                break;
            case QueueFullException e:
                retryAfter = e.RetryAfter;
                break;
            case QuotaExceededException e:
                retryAfter = e.RetryAfter;
                break;
        }
        var status = new Status { Code = (int)code, Message = message };
        if (field is not null)
        {
            var violation = new BadRequest.Types.FieldViolation { Field = field, Description = message[(message.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() };
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { violation } }));
        }
        if (retryAfter is { } after)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(after) }));
        }
        return status;
    }
}
