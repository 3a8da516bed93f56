using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Who a validated token's bearer is, in the terms the rest of the server reads: the caller ID
/// (<see cref="ClaimTypes.NameIdentifier"/>: per-caller limits, operations scoped to the caller) and the roles
/// (<see cref="ClaimTypes.Role"/>: the <c>admin</c> and <c>user</c> policies), like an API key's.
/// </summary>
public static class JwtIdentity
{
    /// <summary>The prefix of token callers' IDs; API keys' are <c>key-…</c>, so the two never meet.</summary>
    public const string CallerPrefix = "jwt:";

    /// <summary>
    /// The caller ID of a token: <c>jwt:{iss}|{subject}</c>. The issuer is part of it, so a subject of another provider (after a
    /// change of <c>StyleGrpc:Jwt</c>) is another caller and never sees this one's operations.
    /// </summary>
    public static string CallerId(string issuer, string subject) => $"{CallerPrefix}{issuer}|{subject}";

    /// <summary>
    /// The principal of a validated token under <paramref name="jwt"/>; null (with <paramref name="missing"/>) when the token
    /// lacks the subject claim. Admin values give both roles, user values the user role, neither no role at all.
    /// </summary>
    public static ClaimsPrincipal? Principal(JsonWebToken token, JwtOptions jwt, out string missing)
    {
        missing = "";
        if (!token.TryGetPayloadValue<string>(jwt.SubjectClaim, out var subject) || string.IsNullOrEmpty(subject))
        {
            missing = jwt.SubjectClaim;
            return null;
        }
        var values = RoleValues(token, jwt.RoleClaim);
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, CallerId(token.Issuer, subject)) };
        if (jwt.AdminValues.Any(values.Contains))
        {
            claims.Add(new Claim(ClaimTypes.Role, AccessRoles.Admin));
            claims.Add(new Claim(ClaimTypes.Role, AccessRoles.User));
        }
        else if (jwt.UserValues.Any(values.Contains))
        {
            claims.Add(new Claim(ClaimTypes.Role, AccessRoles.User));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, AccessRoles.JwtScheme, ClaimTypes.NameIdentifier, ClaimTypes.Role));
    }

    /// <summary>
    /// The values of <paramref name="claim"/> in the token's payload: a claim of that exact name (<c>roles</c>,
    /// <c>https://stylegrpc/roles</c>), else a dotted path into nested objects (<c>realm_access.roles</c>). An array gives its
    /// strings, a string its space-separated words (<c>scope</c>); anything else, nothing.
    /// </summary>
    public static HashSet<string> RoleValues(JsonWebToken token, string claim)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (Find(payload.RootElement, claim) is not { } found)
        {
            return values;
        }
        if (found.ValueKind == JsonValueKind.Array)
        {
            values.UnionWith(found.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
        }
        else if (found.ValueKind == JsonValueKind.String)
        {
            values.UnionWith(found.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return values;
    }

    private static JsonElement? Find(JsonElement root, string claim)
    {
        if (root.TryGetProperty(claim, out var whole))
        {
            return whole;
        }
        var node = root;
        foreach (var part in claim.Split('.'))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                return null;
            }
        }
        return node;
    }
}
