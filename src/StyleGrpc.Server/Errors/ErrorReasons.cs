namespace StyleGrpc.Server.Errors;

/// <summary>
/// The <c>google.rpc.ErrorInfo</c> reasons (AIP-193) every StyleGrpc error carries, with <see cref="Domain"/>: stable
/// UPPER_SNAKE names callers may branch on. docs/errors.md lists each (a test keeps the two in step).
/// </summary>
public static class ErrorReasons
{
    /// <summary>The ErrorInfo domain of every StyleGrpc error.</summary>
    public const string Domain = "stylegrpc";

    /// <summary>A request field is invalid (metadata <c>field</c>).</summary>
    public const string InvalidField = "INVALID_FIELD";

    /// <summary>No style with that ID (metadata <c>style</c> when known).</summary>
    public const string StyleNotFound = "STYLE_NOT_FOUND";

    /// <summary>A style with that ID exists and the request did not ask to replace it.</summary>
    public const string StyleExists = "STYLE_EXISTS";

    /// <summary>No operation of this caller with that name.</summary>
    public const string OperationNotFound = "OPERATION_NOT_FOUND";

    /// <summary>No upload of this caller with that name (unknown, expired, another caller's; metadata <c>field</c>).</summary>
    public const string UploadNotFound = "UPLOAD_NOT_FOUND";

    /// <summary>The operation has not ended (DeleteOperation of a running job).</summary>
    public const string OperationNotDone = "OPERATION_NOT_DONE";

    /// <summary>The request needs a state the server is not in (a style without a ready network, no training photos; metadata <c>field</c>).</summary>
    public const string PreconditionFailed = "PRECONDITION_FAILED";

    /// <summary>The job can never fit a replica's memory budget (metadata <c>largest_side</c>, <c>estimate_bytes</c>, <c>budget_bytes</c>).</summary>
    public const string JobTooLarge = "JOB_TOO_LARGE";

    /// <summary>The queue is full (metadata <c>queue_capacity</c>); RetryInfo says when to try again.</summary>
    public const string QueueFull = "QUEUE_FULL";

    /// <summary>A per-key limit is reached (metadata <c>setting</c>); QuotaFailure names it, RetryInfo when waiting helps.</summary>
    public const string QuotaExceeded = "QUOTA_EXCEEDED";

    /// <summary>The server's data directory is full.</summary>
    public const string StorageFull = "STORAGE_FULL";

    /// <summary>The store (Redis) does not answer; retry later.</summary>
    public const string StoreUnavailable = "STORE_UNAVAILABLE";

    /// <summary>The server is stopping (draining); another replica, or this one after its restart, takes the call.</summary>
    public const string ServerStopping = "SERVER_STOPPING";

    /// <summary>The feature network is still loading.</summary>
    public const string ModelNotReady = "MODEL_NOT_READY";

    /// <summary>The job was stopped (metadata <c>stop_reason</c>: cancelled, deadline, stalled, max_run_time, shutdown).</summary>
    public const string JobStopped = "JOB_STOPPED";

    /// <summary>No credentials the server reads: no <c>authorization</c> header, or not <c>Bearer &lt;key or token&gt;</c> (UNAUTHENTICATED).</summary>
    public const string CredentialsMissing = "CREDENTIALS_MISSING";

    /// <summary>The API key is not one the server accepts (UNAUTHENTICATED).</summary>
    public const string ApiKeyInvalid = "API_KEY_INVALID";

    /// <summary>The bearer token (JWT) has expired (UNAUTHENTICATED); get a new one.</summary>
    public const string TokenExpired = "TOKEN_EXPIRED";

    /// <summary>The bearer token (JWT) failed a check (UNAUTHENTICATED; metadata <c>check</c>: signature, audience, issuer, lifetime, subject, format, disabled).</summary>
    public const string TokenInvalid = "TOKEN_INVALID";

    /// <summary>The identity provider's signing keys could not be fetched to check a bearer token (UNAVAILABLE; retry).</summary>
    public const string IdentityProviderUnavailable = "IDENTITY_PROVIDER_UNAVAILABLE";

    /// <summary>The caller's role may not call the method (PERMISSION_DENIED; metadata <c>method</c>, <c>caller_role</c>).</summary>
    public const string PermissionDenied = "PERMISSION_DENIED";

    /// <summary>Anything else: a bug; the server log has the detail.</summary>
    public const string Internal = "INTERNAL";
}
