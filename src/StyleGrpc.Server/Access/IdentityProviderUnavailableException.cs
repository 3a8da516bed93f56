namespace StyleGrpc.Server.Access;

/// <summary>
/// A bearer token could not be checked because the identity provider's keys could not be fetched (its discovery document
/// or JWKS did not answer): UNAVAILABLE, since the same token may pass once the provider answers again.
/// </summary>
public sealed class IdentityProviderUnavailableException(string message, Exception? inner) : Exception(message, inner);
