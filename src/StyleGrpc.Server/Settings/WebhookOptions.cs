namespace StyleGrpc.Server.Settings;

/// <summary>
/// Completion webhooks (<c>StyleGrpc:Webhooks</c>): where operations may be delivered, how they are signed and how long a
/// failed delivery is retried (docs/http.md, "Webhooks").
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// URL prefixes a notification URL must start with, each an absolute http(s) URL (<c>https://hooks.example.com/</c>). A
    /// host that resolves to a private, loopback or link-local address is refused unless the prefix names that address as an
    /// IP literal (<c>http://10.0.0.7:8080/</c>). Empty (the default): webhooks are off, and a request that asks for one is
    /// INVALID_ARGUMENT naming <c>notification.url</c>.
    /// </summary>
    public List<string> AllowedUrls { get; set; } = [];

    /// <summary>The HMAC-SHA256 key of the <c>StyleGrpc-Signature</c> header; required (at least 16 characters) when <see cref="AllowedUrls"/> is set.</summary>
    public string SigningSecret { get; set; } = "";

    /// <summary>
    /// Callers' notification URLs when their requests name none, as a list of caller and URL (<c>StyleGrpc:Webhooks:Defaults:0:Caller</c>,
    /// <c>…:0:Url</c>): works for every caller ID, JWT callers' (which contain <c>:</c>) included. Each URL must start with an allowed
    /// prefix; a caller may appear once, here or in <see cref="DefaultUrls"/>. Empty by default.
    /// </summary>
    public List<WebhookDefault> Defaults { get; set; } = [];

    /// <summary>
    /// The short form of <see cref="Defaults"/>, keyed by caller ID: <c>StyleGrpc:Webhooks:DefaultUrls:key-0123456789ab</c> (an API
    /// key's ID, <c>key-</c> and the first 12 hex digits of its hash) or <c>…:anonymous</c>. A configuration key cannot hold <c>:</c>,
    /// so a JWT caller's default goes in <see cref="Defaults"/>. Each must start with an allowed prefix.
    /// </summary>
    public Dictionary<string, string> DefaultUrls { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long after the operation ended a failed delivery is retried, in hours; then it is FAILED. Default 24.</summary>
    public double RetryHours { get; set; } = 24;

    /// <summary>The wait after the first failed attempt, in seconds; each later wait doubles (with jitter), up to <see cref="MaxRetrySeconds"/>. Default 10.</summary>
    public double FirstRetrySeconds { get; set; } = 10;

    /// <summary>The longest wait between two attempts, in seconds. Default 3600 (an hour).</summary>
    public double MaxRetrySeconds { get; set; } = 3600;

    /// <summary>One attempt's time limit (connect, send, answer), in seconds. Default 10.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>The caller's default notification URL (<see cref="Defaults"/>, else <see cref="DefaultUrls"/>); null when it has none.</summary>
    public string? DefaultUrlOf(string caller) =>
        Defaults.Find(d => string.Equals(d.Caller, caller, StringComparison.Ordinal))?.Url ?? DefaultUrls.GetValueOrDefault(caller);

    /// <summary>True when requests may ask for webhooks.</summary>
    public bool Enabled => AllowedUrls.Count > 0;
}
