using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StyleGrpc.Tests.Shared;

/// <summary>
/// A small OpenID provider for tests, on Kestrel at 127.0.0.1 and a free port: its discovery document
/// (<c>/.well-known/openid-configuration</c>) and its JWKS (<c>/jwks</c>, an RSA key made here), and tokens it signs, as
/// Entra ID, Keycloak or Auth0 would issue them. <see cref="RotateKey"/> replaces the key; <see cref="JwksRequests"/> counts
/// the key downloads.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication app;
    private RSA key = RSA.Create(2048);
    private int jwksRequests;
    private int generation = 1;

    private TestIdentityProvider(WebApplication app, string issuer)
    {
        this.app = app;
        Issuer = issuer;
    }

    /// <summary>Its issuer (and Authority): <c>http://127.0.0.1:{port}</c>.</summary>
    public string Issuer { get; }

    /// <summary>Its bare JWKS URL.</summary>
    public string JwksUrl => Issuer + "/jwks";

    /// <summary>The key ID of its signing key now (<c>test-key-1</c>, then <c>test-key-2</c> after a rotation, …).</summary>
    public string KeyId => $"test-key-{Volatile.Read(ref generation)}";

    /// <summary>Replaces its signing key with a new one under a new key ID, as providers rotate them; the JWKS then lists only the new one.</summary>
    public void RotateKey()
    {
        var old = Interlocked.Exchange(ref key, RSA.Create(2048));
        Interlocked.Increment(ref generation);
        old.Dispose();
    }

    /// <summary>How many times its JWKS was downloaded.</summary>
    public int JwksRequests => Volatile.Read(ref jwksRequests);

    public static async Task<TestIdentityProvider> StartAsync()
    {
        // A content root of its own: no appsettings.json (whose Kestrel endpoints would be bound too).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = TestData.NewTempDirectory() });
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        // The routes are mapped before the start; they read the address it gets (the issuer) and the provider once known.
        TestIdentityProvider? provider = null;
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider!.Issuer,
            ["jwks_uri"] = provider.JwksUrl,
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref provider!.jwksRequests);
            var parameters = provider.key.ExportParameters(false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = provider.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
                },
            });
        });
        await app.StartAsync();
        var issuer = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');
        provider = new TestIdentityProvider(app, issuer);
        return provider;
    }

    /// <summary>
    /// A signed access token. <paramref name="claims"/> go into the payload as they are (a string array becomes a JSON array,
    /// a dictionary a nested object). <paramref name="expires"/> is relative to now (default one hour); <paramref name="signWith"/>
    /// another key than the provider's (the same key ID) for a forged signature.
    /// </summary>
    public string Token(string subject, string audience, IDictionary<string, object>? claims = null, TimeSpan? expires = null,
        RSA? signWith = null, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        var until = now + (expires ?? TimeSpan.FromHours(1));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = claims,
            IssuedAt = until.AddHours(-1) < now ? until.AddHours(-1) : now,
            NotBefore = until.AddHours(-1) < now ? until.AddHours(-1) : now,
            Expires = until,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        key.Dispose();
    }
}
