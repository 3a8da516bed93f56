using System.Globalization;
using Google.Rpc;
using Grpc.Core;

namespace StyleGrpc.Client;

/// <summary>
/// A call failed. <see cref="StatusCode"/> is the gRPC status; <see cref="Field"/> names the request field the server
/// refused (from the status's <c>google.rpc.BadRequest</c> detail); <see cref="RetryAfter"/> says when a retry may
/// succeed (from <c>google.rpc.RetryInfo</c> or the <c>retry-after-ms</c> trailer); <see cref="Reason"/> is the
/// <c>google.rpc.ErrorInfo</c> reason.
/// </summary>
public sealed class StyleGrpcException : Exception
{
    public StyleGrpcException(StatusCode statusCode, string detail, Exception? inner = null, string? field = null, TimeSpan? retryAfter = null)
        : base(string.IsNullOrEmpty(detail) ? statusCode.ToString() : detail, inner)
    {
        StatusCode = statusCode;
        Detail = detail;
        Field = field;
        RetryAfter = retryAfter;
    }

    public StatusCode StatusCode { get; }

    /// <summary>The server's message.</summary>
    public string Detail { get; }

    /// <summary>The offending request field for INVALID_ARGUMENT, e.g. <c>options.iterations</c>.</summary>
    public string? Field { get; }

    /// <summary>When a retry may succeed (RESOURCE_EXHAUSTED from a full queue or a used-up quota), if the server said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The stable reason of the server's <c>google.rpc.ErrorInfo</c> (docs/errors.md), e.g. <c>TOKEN_EXPIRED</c> (get a new
    /// token and retry) or <c>QUEUE_FULL</c>; null when the status carries none (a transport failure).
    /// </summary>
    public string? Reason { get; init; }

    internal static StyleGrpcException From(RpcException ex)
    {
        var status = ex.GetRpcStatus();
        var field = status?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
        TimeSpan? retryAfter = status?.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan();
        if (retryAfter is null && ex.Trailers.GetValue("retry-after-ms") is { } ms && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            retryAfter = TimeSpan.FromMilliseconds(value);
        }
        return new StyleGrpcException(ex.StatusCode, ex.Status.Detail, ex, field, retryAfter) { Reason = status?.GetDetail<ErrorInfo>()?.Reason };
    }
}
