namespace StyleGrpc.Client;

/// <summary>Settings of <see cref="StyleGrpcClient"/>; bindable from configuration (section <c>StyleGrpc:Client</c> by convention).</summary>
public sealed class StyleGrpcClientOptions
{
    /// <summary>Default server address: h2c on the loopback, port 50051.</summary>
    public const string DefaultAddress = "http://127.0.0.1:50051";

    /// <summary>
    /// Server address: <c>http://host:port</c> (h2c), <c>https://host:port</c>, or <c>dns:///name:port</c> to spread calls over
    /// every replica the name resolves to (round robin; e.g. a Kubernetes headless Service). Default <see cref="DefaultAddress"/>.
    /// </summary>
    public Uri Address { get; set; } = new(DefaultAddress);

    /// <summary>TLS for a <c>dns:///</c> address (http/https addresses say it themselves). Default false.</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// Attempts of a Stylize call refused with RESOURCE_EXHAUSTED and a retry hint (a full queue or a rate limit: no work
    /// was done), each after a backoff that honours the hint; with a <c>dns:///</c> address the next attempt goes to
    /// another replica. Default 3; 1 disables it. Other refusals (the memory budget) are not retried.
    /// </summary>
    public int StylizeAttempts { get; set; } = 3;

    /// <summary>
    /// How long a submission (SubmitStylize, TrainStyleNetwork, and the submission inside Stylize) lost to UNAVAILABLE or
    /// its own deadline is tried again, with a backoff (200 ms doubling to 5 s, with jitter). Every attempt carries the same
    /// <c>request_id</c> (AIP-155), so the server starts the job once however many attempts reach it. Default 30 s;
    /// <see cref="TimeSpan.Zero"/> disables it.
    /// </summary>
    public TimeSpan SubmitRetryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether <see cref="StyleGrpcClient.StylizeAsync"/> and <see cref="StyleGrpcClient.WatchStylizeAsync"/> re-attach by themselves
    /// when their watch of the job is lost (UNAVAILABLE: a server restarting or draining, a replica gone, a dropped connection):
    /// they watch again from the last sequence seen, after a backoff (200 ms doubling to 5 s, with jitter), so the caller sees no
    /// duplicate frames; with a <c>dns:///</c> address the next watch may reach another replica. The job itself runs on regardless.
    /// Default true.
    /// </summary>
    public bool ReattachOnDisconnect { get; set; } = true;

    /// <summary>
    /// How long one loss of the watch may last before the call gives up with the last error: from the first failure until a
    /// watch delivers a frame again (each frame received restarts the clock). Default 2 minutes (a restart of a replica,
    /// model load included, takes seconds).
    /// </summary>
    public TimeSpan ReattachTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// PEM file of the certificate authority that signed the server's certificate, for <c>https://</c> addresses whose
    /// certificate the system does not trust (a private CA or a self-signed certificate). Null: the system's trust store.
    /// </summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Optional API key, sent as <c>authorization: Bearer …</c> on every call. At most one of it, <see cref="BearerToken"/> and <see cref="BearerTokenProvider"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Optional access token (a JWT from the server's identity provider), sent as <c>authorization: Bearer …</c> on every call.
    /// Tokens expire (the server then answers UNAUTHENTICATED, reason <c>TOKEN_EXPIRED</c>): for a long-lived client use
    /// <see cref="BearerTokenProvider"/>.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// Optional source of access tokens, asked before every call (and every re-attach of a watch), so a token it renews is
    /// picked up: cache the token in it and renew it before it expires (MSAL's <c>AcquireTokenSilent</c>, a client-credentials
    /// cache). Not bindable from configuration.
    /// </summary>
    public Func<CancellationToken, Task<string>>? BearerTokenProvider { get; set; }

    /// <summary>Largest message sent or received, in bytes. Default 64 MiB (above the server's default 32 MiB request limit).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Deadline of unary calls (styles, info). Default 60 s.</summary>
    public TimeSpan UnaryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Attempts for unary calls answered UNAVAILABLE (gRPC retry policy), the operations' Get, List, Wait, Cancel and Delete included.
    /// Stylize and SubmitStylize are never replayed (a submission may have been admitted). Default 4; 1 disables retries.
    /// </summary>
    public int MaxAttempts { get; set; } = 4;
}
