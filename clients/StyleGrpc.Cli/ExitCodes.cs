using Grpc.Core;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>The CLI's exit codes: one per failure class, stable for scripts.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int Usage = 2;
    public const int Unreachable = 3;
    public const int NotFound = 4;
    public const int InvalidArgument = 5;
    public const int AlreadyExists = 6;
    public const int Busy = 7;
    public const int DeadlineExceeded = 8;
    public const int ServerError = 9;
    public const int LocalFile = 10;

    /// <summary>The server wants an API key or a token, does not know the key given, or refuses the token (UNAUTHENTICATED).</summary>
    public const int Unauthenticated = 11;

    /// <summary>The key's or token's role may not do this (PERMISSION_DENIED): a user key registering a style, for example.</summary>
    public const int PermissionDenied = 12;

    /// <summary><c>stylize</c> of several photos: at least one failed (its row says why); the others were written. Running the same command again tries the failed ones again.</summary>
    public const int PhotosFailed = 13;

    public const int Cancelled = 130;

    public static int For(StyleGrpcException ex) => ex.StatusCode switch
    {
        StatusCode.Unavailable => Unreachable,
        StatusCode.NotFound => NotFound,
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition => InvalidArgument,
        StatusCode.AlreadyExists => AlreadyExists,
        StatusCode.ResourceExhausted => Busy,
        StatusCode.DeadlineExceeded => DeadlineExceeded,
        StatusCode.Cancelled => Cancelled,
        StatusCode.Unauthenticated => Unauthenticated,
        StatusCode.PermissionDenied => PermissionDenied,
        _ => ServerError,
    };
}
