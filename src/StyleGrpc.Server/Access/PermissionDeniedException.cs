namespace StyleGrpc.Server.Access;

/// <summary>The caller is known but its role may not call this method; becomes PERMISSION_DENIED (<c>PERMISSION_DENIED</c>).</summary>
/// <param name="method">The path called, e.g. <c>/stylegrpc.v1.StyleTransferService/RegisterStyle</c> (ErrorInfo metadata <c>method</c>).</param>
/// <param name="callerRole">The caller's role: <c>admin</c>, <c>user</c> or <c>none</c> (ErrorInfo metadata <c>caller_role</c>).</param>
/// <param name="message">What the caller reads.</param>
public sealed class PermissionDeniedException(string method, string callerRole, string message) : Exception(message)
{
    public string Method { get; } = method;

    public string CallerRole { get; } = callerRole;
}
