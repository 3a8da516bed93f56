using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Errors;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Authenticates <c>authorization: Bearer {key}</c> against the SHA-256 hashes in <c>StyleGrpc:Keys</c> (as in force now:
/// they reload, <see cref="AccessMonitor"/>), in constant time. The scheme name is case-insensitive; nothing else is trimmed or guessed. With no keys
/// configured every caller is the anonymous admin (an open server, right on loopback). Failures answer
/// like every other error (<see cref="AccessRefusal"/>): UNAUTHENTICATED / PERMISSION_DENIED with ErrorInfo; 401 / 403 over HTTP.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccessMonitor access)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private const string BearerScheme = "Bearer";

    /// <summary>The caller ID of a key: <c>key-</c> and the first 12 hex digits of its hash.</summary>
    public static string CallerId(string sha256Hex) => "key-" + sha256Hex[..12].ToLowerInvariant();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Read per request: the keys reload without a restart (AccessMonitor).
        var settings = access.Current;
        if (settings.IsOpen)
        {
            return Task.FromResult(Success(AccessRoles.Anonymous, AccessRoles.Admin));
        }
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !header.AsSpan(0, space).Equals(BearerScheme, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(Fail(ErrorReasons.CredentialsMissing, "the authorization header must be 'Bearer <key>'"));
        }
        var value = header[(space + 1)..];
        if (!settings.Jwt.Enabled && SchemeSelector.LooksLikeJwt(value))
        {
            // A token sent to a server that takes none: say so, rather than "not a valid key".
            return Task.FromResult(AuthenticateResult.Fail(new CredentialsRejectedException(ErrorReasons.TokenInvalid,
                "this server accepts API keys, not bearer tokens (JWT): StyleGrpc:Jwt is not configured", "disabled")));
        }
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        string? role = null;
        var matched = Array.Empty<byte>();
        // Compare with every key, so the time does not depend on which key matched.
        foreach (var (hash, keyRole) in settings.Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, given))
            {
                role = keyRole;
                matched = hash;
            }
        }
        return Task.FromResult(role is null
            ? Fail(ErrorReasons.ApiKeyInvalid, "the API key is not valid")
            : Success(CallerId(Convert.ToHexStringLower(matched)), role));
    }

    // The middleware keeps only successful results; this handler's own (cached per request) says why it failed.
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await AccessRefusal.WriteAsync(Response, (await HandleAuthenticateOnceSafeAsync()).Failure as CredentialsRejectedException
            ?? new CredentialsRejectedException(ErrorReasons.CredentialsMissing, access.Current.Jwt.Enabled
                ? "an API key or a bearer token is required: authorization: Bearer <key or token>"
                : "an API key is required: authorization: Bearer <key>"));

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessRefusal.WriteAsync(Response, new PermissionDeniedException(Request.Path, AccessRefusal.RoleOf(Context), $"this API key's role may not call {Request.Path}"));

    private static AuthenticateResult Fail(string reason, string message) => AuthenticateResult.Fail(new CredentialsRejectedException(reason, message));

    private AuthenticateResult Success(string caller, string role)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, caller), new(ClaimTypes.Role, role) };
        if (role == AccessRoles.Admin)
        {
            claims.Add(new Claim(ClaimTypes.Role, AccessRoles.User));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }
}
