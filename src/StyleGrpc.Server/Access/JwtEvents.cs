using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StyleGrpc.Server.Errors;

namespace StyleGrpc.Server.Access;

/// <summary>
/// The JwtBearer scheme's events: a validated token becomes the caller (<see cref="JwtIdentity"/>); a refused one is answered
/// UNAUTHENTICATED with the reason (<c>TOKEN_EXPIRED</c>, <c>TOKEN_INVALID</c> and the check it failed), a caller whose roles
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

    public override Task Challenge(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        return AccessRefusal.WriteAsync(context.Response, Rejection(context.AuthenticateFailure));
    }

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

    /// <summary>Why a token was refused, as the caller reads it: the reason and the check, not IdentityModel's text.</summary>
    public static CredentialsRejectedException Rejection(Exception? failure) => failure switch
    {
        CredentialsRejectedException e => e,
        null => new CredentialsRejectedException(ErrorReasons.CredentialsMissing, "a bearer token is required: authorization: Bearer <token>"),
        SecurityTokenExpiredException e => new(ErrorReasons.TokenExpired, $"the token expired at {e.Expires:yyyy-MM-ddTHH:mm:ssZ}; get a new one", "lifetime"),
        SecurityTokenNotYetValidException e => new(ErrorReasons.TokenInvalid, $"the token is not valid before {e.NotBefore:yyyy-MM-ddTHH:mm:ssZ}", "lifetime"),
        SecurityTokenNoExpirationException => new(ErrorReasons.TokenInvalid, "the token has no expiry ('exp')", "lifetime"),
        SecurityTokenInvalidAudienceException => new(ErrorReasons.TokenInvalid, "the token is for another audience ('aud')", "audience"),
        SecurityTokenInvalidIssuerException => new(ErrorReasons.TokenInvalid, "the token is from another issuer ('iss')", "issuer"),
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            new(ErrorReasons.TokenInvalid, "the token's signature does not verify with the issuer's signing keys", "signature"),
        SecurityTokenMalformedException or ArgumentException => new(ErrorReasons.TokenInvalid, "the bearer token is not a well-formed JWT", "format"),
        _ => new(ErrorReasons.TokenInvalid, "the token is not valid", "token"),
    };
}
