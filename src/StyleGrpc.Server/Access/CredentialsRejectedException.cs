namespace StyleGrpc.Server.Access;

/// <summary>
/// The request's credentials were refused: none were sent, the API key is unknown, or the bearer token failed a check.
/// Becomes UNAUTHENTICATED with <see cref="Reason"/> as its <c>google.rpc.ErrorInfo</c> reason.
/// </summary>
/// <param name="reason">An <see cref="Errors.ErrorReasons"/> constant: <c>CREDENTIALS_MISSING</c>, <c>API_KEY_INVALID</c>, <c>TOKEN_EXPIRED</c>, <c>TOKEN_INVALID</c>.</param>
/// <param name="message">What the caller reads.</param>
/// <param name="check">For a token: the check it failed (<c>signature</c>, <c>audience</c>, <c>issuer</c>, …), ErrorInfo metadata <c>check</c>.</param>
public sealed class CredentialsRejectedException(string reason, string message, string? check = null) : Exception(message)
{
    /// <summary>The ErrorInfo reason.</summary>
    public string Reason { get; } = reason;

    /// <summary>For a token: the check it failed; null otherwise.</summary>
    public string? Check { get; } = check;
}
