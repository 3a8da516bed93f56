using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Authenticates <c>authorization: Bearer {key}</c> against the SHA-256 hashes in <c>StyleGrpc:Keys</c>, in
/// constant time. The scheme name is case-insensitive; nothing else is trimmed or guessed. With no keys
/// configured every caller is the anonymous admin (an open server, right on loopback). Failures answer
/// gRPC callers with UNAUTHENTICATED / PERMISSION_DENIED and a message; other callers with 401 / 403.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<StyleGrpcServerOptions> serverOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private const string BearerScheme = "Bearer";
    private readonly (byte[] Hash, string Role)[] keys = serverOptions.Value.Keys.Select(k => (Convert.FromHexString(k.Sha256), k.Role)).ToArray();

    /// <summary>The caller ID of a key: <c>key-</c> and the first 12 hex digits of its hash.</summary>
    public static string CallerId(string sha256Hex) => "key-" + sha256Hex[..12].ToLowerInvariant();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.Length == 0)
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
            return Task.FromResult(AuthenticateResult.Fail("the authorization header must be 'Bearer <key>'"));
        }
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[(space + 1)..]));
        string? role = null;
        var matched = Array.Empty<byte>();
        // Compare with every key, so the time does not depend on which key matched.
        foreach (var (hash, keyRole) in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, given))
            {
                role = keyRole;
                matched = hash;
            }
        }
        return Task.FromResult(role is null
            ? AuthenticateResult.Fail("the API key is not valid")
            : Success(CallerId(Convert.ToHexStringLower(matched)), role));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
        return Refuse(StatusCodes.Status401Unauthorized, 16, failure ?? "an API key is required: authorization: Bearer <key>");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Refuse(StatusCodes.Status403Forbidden, 7, $"this API key's role may not call {Request.Path}");

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

    // gRPC callers read a status, not an HTTP code: answer trailers-only with grpc-status and grpc-message.
    private Task Refuse(int httpStatus, int grpcStatus, string message)
    {
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            Response.StatusCode = StatusCodes.Status200OK;
            Response.ContentType = "application/grpc";
            Response.Headers["grpc-status"] = grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return Task.CompletedTask;
        }
        Response.StatusCode = httpStatus;
        return Response.WriteAsJsonAsync(new { error = new { code = httpStatus, message } });
    }
}
