namespace StyleGrpc.Server.Settings;

/// <summary>
/// One caller's default notification URL (<c>StyleGrpc:Webhooks:Defaults:N</c>): used when the caller's request names none.
/// A list entry rather than a configuration key, so any caller ID fits, a JWT caller's (<c>jwt:&lt;iss&gt;|&lt;sub&gt;</c>) included.
/// </summary>
public sealed class WebhookDefault
{
    /// <summary>
    /// The caller ID, exactly as the server names callers: <c>key-</c> and the first 12 hex digits of an API key's hash, <c>jwt:</c>
    /// and the token's issuer and subject (<c>jwt:https://login.example.com/|alice</c>), or <c>anonymous</c> on an open server. Required.
    /// </summary>
    public string Caller { get; set; } = "";

    /// <summary>The caller's notification URL; it must start with one of <see cref="WebhookOptions.AllowedUrls"/>. Required.</summary>
    public string Url { get; set; } = "";
}
