extern alias server;

using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using server::StyleGrpc.Server.Access;
using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>How a validated token becomes the caller: its ID and its roles, for the claim layouts providers use.</summary>
public sealed class JwtIdentityTests
{
    private static JsonWebToken Token(string payload) => new("""{"alg":"RS256","typ":"JWT"}""", payload);

    [Theory]
    // Entra ID app roles; Auth0 namespaced claim (a name with dots, read whole); Keycloak realm and client roles (a path);
    // scopes (one space-separated string).
    [InlineData("roles", """{"roles":["stylegrpc.admin","other"]}""", "stylegrpc.admin")]
    [InlineData("https://stylegrpc.example.com/roles", """{"https://stylegrpc.example.com/roles":["stylegrpc.admin"]}""", "stylegrpc.admin")]
    [InlineData("realm_access.roles", """{"realm_access":{"roles":["offline_access","stylegrpc.admin"]}}""", "stylegrpc.admin")]
    [InlineData("resource_access.stylegrpc.roles", """{"resource_access":{"stylegrpc":{"roles":["stylegrpc.admin"]}}}""", "stylegrpc.admin")]
    [InlineData("scope", """{"scope":"openid stylegrpc.admin profile"}""", "stylegrpc.admin")]
    public void RoleValues_EveryProvidersLayout_IsRead(string claim, string payload, string expected)
    {
        Assert.Contains(expected, JwtIdentity.RoleValues(Token(payload), claim));
    }

    [Theory]
    [InlineData("""{"roles":"x"}""", "realm_access.roles")]
    [InlineData("""{"realm_access":"x"}""", "realm_access.roles")]
    [InlineData("""{"roles":[1,{"a":2}]}""", "roles")]
    public void RoleValues_MissingOrNotStrings_AreNone(string payload, string claim)
    {
        Assert.Empty(JwtIdentity.RoleValues(Token(payload), claim));
    }

    [Theory]
    [InlineData("""["stylegrpc.admin"]""", new[] { "admin", "user" })]
    [InlineData("""["stylegrpc.user"]""", new[] { "user" })]
    [InlineData("""["admin"]""", new string[0])]
    public void Principal_ConfiguredValues_MapToTheServersRoles_AndTheCallerIsIssuerAndSubject(string roles, string[] expected)
    {
        var jwt = new JwtOptions { AdminRoles = ["stylegrpc.admin"], UserRoles = ["stylegrpc.user"] };
        var token = Token($$"""{"iss":"https://idp.example/realms/r","sub":"alice","roles":{{roles}}}""");

        var principal = JwtIdentity.Principal(token, jwt, out _)!;

        Assert.Equal("jwt:https://idp.example/realms/r|alice", principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal(expected, principal.FindAll(ClaimTypes.Role).Select(c => c.Value));
    }

    [Fact]
    public void Principal_DefaultValues_AreAdminAndUser_AndTheSubjectClaimIsConfigurable()
    {
        var token = Token("""{"iss":"i","sub":"pairwise","oid":"object-id","roles":["admin"]}""");

        var principal = JwtIdentity.Principal(token, new JwtOptions { SubjectClaim = "oid" }, out _)!;

        Assert.Equal("jwt:i|object-id", principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.True(principal.IsInRole("admin") && principal.IsInRole("user"));
        Assert.Null(JwtIdentity.Principal(Token("""{"iss":"i","roles":["admin"]}"""), new JwtOptions(), out var missing));
        Assert.Equal("sub", missing);
    }
}
