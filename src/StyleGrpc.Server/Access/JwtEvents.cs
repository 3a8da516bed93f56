using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using StyleGrpc.Server.Errors;

namespace StyleGrpc.Server.Access;

/// <summary>
/// The JwtBearer scheme's events: a validated token becomes the caller (<see cref="JwtIdentity"/>); a refused one is answered
/// UNAUTHENTICATED with the reason (<c>TOKEN_EXPIRED</c>, <c>TOKEN_INVALID</c> and the check it failed), or UNAVAILABLE
/// (<c>IDENTITY_PROVIDER_UNAVAILABLE</c>) when the provider's keys cannot be fetched, a caller whose roles
/// may not call the method PERMISSION_DENIED, both like every other error (<see cref="AccessRefusal"/>).
/// </summary>
public sealed class JwtEvents(AccessMonitor access) : JwtBearerEvents
{
    public override Task TokenValidated(TokenValidatedContext context)
    {
        if (context.SecurityToken is not JsonWebToken token)
        {
            context.Fail(new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the bearer token is not a signed JWT", "format"));
            return Task.CompletedTask;
        }
        var principal = JwtIdentity.Principal(token, access.Current.Jwt, out var missing);
        if (principal is null)
        {
            context.Fail(new CredentialsRejectedException(ErrorReasons.TokenInvalid, $"the token has no '{missing}' claim to identify the caller", "subject"));
            return Task.CompletedTask;
        }
        context.Principal = principal;
        return Task.CompletedTask;
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var refusal = Rejection(context.AuthenticateFailure);
        // IdentityModel checks a token without the provider's document when it cannot fetch it, so its issuer or signature
        // fails: ask the provider once more before blaming the token.
        if (refusal is CredentialsRejectedException { Check: "issuer" or "signature" } && context.Options.ConfigurationManager is { } provider
            && await UnreachableAsync(provider, context.HttpContext.RequestAborted) is { } unreachable)
        {
            refusal = unreachable;
        }
        await AccessRefusal.WriteAsync(context.Response, refusal);
    }

    // Null when the provider's document (and keys) can be had, from its cache or a fetch; else why not.
    private static async Task<IdentityProviderUnavailableException?> UnreachableAsync(IConfigurationManager<OpenIdConnectConfiguration> provider,
        CancellationToken cancellationToken)
    {
        try
        {
            await provider.GetConfigurationAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException)
        {
            return Unavailable(ex);
        }
    }

    private static IdentityProviderUnavailableException Unavailable(Exception cause) =>
        new("the identity provider's signing keys could not be fetched (StyleGrpc:Jwt:Authority or JwksUrl); retry", cause);

    public override Task Forbidden(ForbiddenContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var role = AccessRefusal.RoleOf(context.HttpContext);
        var jwt = access.Current.Jwt;
        var message = role == "none"
            ? $"the token's '{jwt.RoleClaim}' claim holds none of the values StyleGrpc:Jwt:AdminRoles ({string.Join(", ", jwt.AdminValues)}) or UserRoles ({string.Join(", ", jwt.UserValues)}) name"
            : $"this token's role ({role}) may not call {path}";
        return AccessRefusal.WriteAsync(context.Response, new PermissionDeniedException(path, role, message));
    }

    /// <summary>
    /// Why a token was refused, as the caller reads it: the reason and the check, not IdentityModel's text; or, when the
    /// provider's keys could not be fetched (IdentityModel's IDX20803, or the fetch itself failing), that the provider is
    /// unavailable: a retry may pass.
    /// </summary>
    public static Exception Rejection(Exception? failure) => failure switch
    {
        CredentialsRejectedException e => e,
        InvalidOperationException e when e.Message.Contains("IDX20803", StringComparison.Ordinal) => Unavailable(e),
        HttpRequestException or TaskCanceledException or IOException => Unavailable(failure),
        null => new CredentialsRejectedException(ErrorReasons.CredentialsMissing, "a bearer token is required: authorization: Bearer <token>"),
        SecurityTokenExpiredException e => new CredentialsRejectedException(ErrorReasons.TokenExpired, $"the token expired at {e.Expires:yyyy-MM-ddTHH:mm:ssZ}; get a new one", "lifetime"),
        SecurityTokenNotYetValidException e => new CredentialsRejectedException(ErrorReasons.TokenInvalid, $"the token is not valid before {e.NotBefore:yyyy-MM-ddTHH:mm:ssZ}", "lifetime"),
        SecurityTokenNoExpirationException => new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the token has no expiry ('exp')", "lifetime"),
        SecurityTokenInvalidAudienceException => new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the token is for another audience ('aud')", "audience"),
        SecurityTokenInvalidIssuerException => new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the token is from another issuer ('iss')", "issuer"),
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the token's signature does not verify with the issuer's signing keys", "signature"),
        SecurityTokenMalformedException or ArgumentException => new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the bearer token is not a well-formed JWT", "format"),
        _ => new CredentialsRejectedException(ErrorReasons.TokenInvalid, "the token is not valid", "token"),
    };
}
