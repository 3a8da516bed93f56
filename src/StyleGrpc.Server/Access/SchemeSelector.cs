namespace StyleGrpc.Server.Access;

/// <summary>
/// Which scheme reads a request's credentials: both arrive as <c>authorization: Bearer …</c>, so the credential's shape
/// decides. A JWT is three base64url parts joined by dots; an API key (<c>sgk_</c> and base64url) has no dot. While JWT is
/// off, everything goes to the API-key scheme (which tells a token's sender that tokens are not accepted).
/// </summary>
public static class SchemeSelector
{
    /// <summary>The scheme for <paramref name="context"/>: <see cref="AccessRoles.JwtScheme"/> or <see cref="AccessRoles.Scheme"/>.</summary>
    public static string For(HttpContext context) =>
        context.RequestServices.GetRequiredService<AccessMonitor>().Current.Jwt.Enabled && LooksLikeJwt(BearerValue(context.Request.Headers.Authorization))
            ? AccessRoles.JwtScheme
            : AccessRoles.Scheme;

    /// <summary>The value after <c>Bearer </c> (any case), or null when the header is not a bearer credential.</summary>
    public static string? BearerValue(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && header.AsSpan(0, space).Equals(JwtBearerName, StringComparison.OrdinalIgnoreCase) ? header[(space + 1)..] : null;
    }

    /// <summary>True for the compact form of a signed JWT: three non-empty parts separated by two dots.</summary>
    public static bool LooksLikeJwt(string? value) =>
        value is not null && value.Split('.') is { Length: 3 } parts && parts.All(p => p.Length > 0);

    private const string JwtBearerName = "Bearer";
}
