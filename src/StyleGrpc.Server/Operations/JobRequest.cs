namespace StyleGrpc.Server.Operations;

/// <summary>A caller's idempotency key for a submission (AIP-155): its request ID, and the fingerprint of what it asked for.</summary>
/// <param name="Id">The request ID: a UUID the caller makes once and sends again on every retry.</param>
/// <param name="Fingerprint">The SHA-256 (hex) of the request with its request ID left out.</param>
public sealed record JobRequest(string Id, string Fingerprint);
