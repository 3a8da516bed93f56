using System.Globalization;
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
    /// The status an exception ends a call (or an operation) with (AIP-193): code, message (<c>field: reason</c> for bad
    /// fields) and details: always <c>google.rpc.ErrorInfo</c> (a stable reason, <see cref="ErrorReasons.Domain"/>, metadata
    /// such as the field or the limit); <c>google.rpc.BadRequest</c> naming a refused field; <c>google.rpc.QuotaFailure</c>
    /// for per-key limits; <c>google.rpc.RetryInfo</c> only where waiting helps.
    /// </summary>
    public static Status Of(Exception ex, bool development)
    {
        if (ex is OperationFailedException failed)
        {
            return failed.Status;
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        string? field = null;
        TimeSpan? retryAfter = null;
        var (code, reason, message) = ex switch
        {
            RequestFieldException e => (StatusCode.InvalidArgument, ErrorReasons.InvalidField, e.Message),
            InvalidStyleOptionException e => (StatusCode.InvalidArgument, ErrorReasons.InvalidField, $"{OptionFields.ProtoField(e.Field)}: {e.Reason}"),
            Video.Media.VideoRejectedException e => (StatusCode.InvalidArgument, ErrorReasons.InvalidField, e.Message),
            StyleNotFoundException e => (StatusCode.NotFound, ErrorReasons.StyleNotFound, e.Message),
            StyleAlreadyExistsException e => (StatusCode.AlreadyExists, ErrorReasons.StyleExists, e.Message),
            OperationNotFoundException e => (StatusCode.NotFound, ErrorReasons.OperationNotFound, e.Message),
            Uploads.UploadNotFoundException e => (StatusCode.NotFound, ErrorReasons.UploadNotFound, e.Message),
            OperationNotDoneException e => (StatusCode.FailedPrecondition, ErrorReasons.OperationNotDone, e.Message),
            PreconditionFailedException e => (StatusCode.FailedPrecondition, ErrorReasons.PreconditionFailed, e.Message),
            QueueFullException e => (StatusCode.ResourceExhausted, ErrorReasons.QueueFull, e.Message),
            // It can never fit: waiting does not help, a smaller request does (the largest side that fits is in the metadata).
            MemoryBudgetExceededException e => (StatusCode.FailedPrecondition, ErrorReasons.JobTooLarge, e.Message),
            QuotaExceededException e => (StatusCode.ResourceExhausted, ErrorReasons.QuotaExceeded, e.Message),
            StorageFullException e => (StatusCode.ResourceExhausted, ErrorReasons.StorageFull, e.Message),
            StoreUnavailableException e => (StatusCode.Unavailable, ErrorReasons.StoreUnavailable, e.Message),
            ServerStoppingException e => (StatusCode.Unavailable, ErrorReasons.ServerStopping, e.Message),
            ModelNotReadyException e => (StatusCode.Unavailable, ErrorReasons.ModelNotReady, e.Message),
            JobStoppedException e => (JobStopReasons.Status(e.Reason), ErrorReasons.JobStopped, e.Message),
            CredentialsRejectedException e => (StatusCode.Unauthenticated, e.Reason, e.Message),
            IdentityProviderUnavailableException e => (StatusCode.Unavailable, ErrorReasons.IdentityProviderUnavailable, e.Message),
            PermissionDeniedException e => (StatusCode.PermissionDenied, ErrorReasons.PermissionDenied, e.Message),
            OperationCanceledException => (StatusCode.Unavailable, ErrorReasons.ServerStopping, "the server is stopping; the job was cancelled"),
            _ => (StatusCode.Internal, ErrorReasons.Internal, development ? ex.ToString() : "internal error; see the server log"),
        };
        QuotaFailure? quota = null;
        switch (ex)
        {
            case RequestFieldException e:
                field = e.Field;
                break;
            case InvalidStyleOptionException e:
                field = OptionFields.ProtoField(e.Field);
                break;
            case Video.Media.VideoRejectedException e:
                field = e.Field;
                break;
            case Uploads.UploadNotFoundException e:
                metadata["field"] = e.Field;
                break;
            case PreconditionFailedException { Field: { } f }:
                metadata["field"] = f;
                break;
            case StyleNotFoundException e:
                metadata["style"] = e.StyleId;
                break;
            case MemoryBudgetExceededException e:
                metadata["largest_side"] = e.LargestSide.ToString(CultureInfo.InvariantCulture);
                metadata["estimate_bytes"] = e.EstimateBytes.ToString(CultureInfo.InvariantCulture);
                metadata["budget_bytes"] = e.BudgetBytes.ToString(CultureInfo.InvariantCulture);
                break;
            case QueueFullException e:
                metadata["queue_capacity"] = e.Capacity.ToString(CultureInfo.InvariantCulture);
                retryAfter = e.RetryAfter;
                break;
            case QuotaExceededException e:
                metadata["setting"] = e.Setting;
                quota = new QuotaFailure { Violations = { new QuotaFailure.Types.Violation { Subject = QuotaSubject(e.Caller), Description = e.Message } } };
                retryAfter = e.RetryAfter;
                break;
            case JobStoppedException e:
                metadata["stop_reason"] = JobStopReasons.Label(e.Reason);
                break;
            case IdentityProviderUnavailableException:
                retryAfter = TimeSpan.FromSeconds(5);
                break;
            case CredentialsRejectedException { Check: { } check }:
                metadata["check"] = check;
                break;
            case PermissionDeniedException e:
                metadata["method"] = e.Method;
                metadata["caller_role"] = e.CallerRole;
                break;
        }
        if (field is not null)
        {
            metadata["field"] = field;
        }
        var status = new Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = reason, Domain = ErrorReasons.Domain, Metadata = { metadata } }));
        if (field is not null)
        {
            var violation = new BadRequest.Types.FieldViolation { Field = field, Description = message[(message.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() };
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { violation } }));
        }
        if (quota is not null)
        {
            status.Details.Add(Any.Pack(quota));
        }
        if (retryAfter is { } after)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(after) }));
        }
        return status;
    }

    // A key's caller ID reads as api_key:key-…; a token's already says what it is (jwt:{iss}|{sub}).
    private static string QuotaSubject(string caller) => caller.StartsWith(JwtIdentity.CallerPrefix, StringComparison.Ordinal) ? caller : "api_key:" + caller;
}
