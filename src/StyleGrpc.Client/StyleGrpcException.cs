using Grpc.Core;

namespace StyleGrpc.Client;

/// <summary>A call failed. <see cref="StatusCode"/> is the gRPC status; <see cref="Field"/> names the request field the server refused, when it did.</summary>
public sealed class StyleGrpcException : Exception
{
    public StyleGrpcException(StatusCode statusCode, string detail, Exception? inner = null)
        : base(string.IsNullOrEmpty(detail) ? statusCode.ToString() : detail, inner)
    {
        StatusCode = statusCode;
        Detail = detail;
        if (statusCode == StatusCode.InvalidArgument && detail.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon
            && !detail[..colon].Contains(' ', StringComparison.Ordinal))
        {
            Field = detail[..colon];
        }
    }

    public StatusCode StatusCode { get; }

    /// <summary>The server's message.</summary>
    public string Detail { get; }

    /// <summary>The offending request field for INVALID_ARGUMENT, e.g. <c>options.iterations</c>.</summary>
    public string? Field { get; }

    internal static StyleGrpcException From(RpcException ex) => new(ex.StatusCode, ex.Status.Detail, ex);
}
