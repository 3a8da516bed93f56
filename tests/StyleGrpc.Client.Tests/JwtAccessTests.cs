using System.Security.Cryptography;
using Grpc.Core;
using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// JWT bearer callers beside API keys, against a real server (Kestrel, h2c) whose keys come from a test identity provider
/// served over HTTP (discovery document and JWKS), with tokens signed by the provider's RSA key.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class JwtAccessTests(JwtServer server) : IClassFixture<JwtServer>
{
    private static readonly string[] AdminRole = ["admin"];
    private static readonly string[] UserRole = ["user"];

    private StyleGrpcClient Connect(string? token = null, string? apiKey = null) =>
        new(new StyleGrpcClientOptions { Address = new Uri(server.Host.Address), BearerToken = token, ApiKey = apiKey, MaxAttempts = 1 });

    private string Token(string subject, string[]? roles, string? audience = null, TimeSpan? expires = null, RSA? signWith = null, string? issuer = null) =>
        server.Provider.Token(subject, audience ?? JwtServer.Audience, roles is null ? null : new Dictionary<string, object> { ["roles"] = roles },
            expires, signWith, issuer);

    private static byte[] Content => File.ReadAllBytes(TestData.Image("tubingen.jpg"));

    [Fact]
    public async Task UserToken_ItsSubjectIsTheCaller_AndItsOperationsAreItsOwn()
    {
        using var admin = Connect(Token("carol", AdminRole));
        using var alice = Connect(Token("alice", UserRole));
        using var bob = Connect(Token("bob", UserRole));
        await admin.RegisterStyleAsync("jwt-starry", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });
        try
        {
            Assert.Equal("user", (await alice.GetServerInfoAsync()).CallerRole);
            Assert.Equal("admin", (await admin.GetServerInfoAsync()).CallerRole);

            // A job that runs until cancelled holds alice's one place (MaxJobsPerKey=1).
            var running = await alice.SubmitStylizeAsync(Content, StyleSpec.Registered("jwt-starry"),
                new StylizeOptions { MaxSide = 64, Iterations = 5000, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0 });
            try
            {
                // The caller is the token's issuer and subject: the quota names it, and bob (another subject) has a place of his own.
                var busy = await Assert.ThrowsAsync<StyleGrpcException>(() => alice.SubmitStylizeAsync(Content, StyleSpec.Registered("jwt-starry"),
                    new StylizeOptions { MaxSide = 64, Iterations = 2 }));
                Assert.Equal(StatusCode.ResourceExhausted, busy.StatusCode);
                var quota = Assert.IsType<RpcException>(busy.InnerException).GetRpcStatus()!.GetDetail<Google.Rpc.QuotaFailure>()!;
                Assert.Equal($"jwt:{server.Provider.Issuer}|alice", quota.Violations.Single().Subject);
                var bobs = await bob.SubmitStylizeAsync(Content, StyleSpec.Registered("jwt-starry"), new StylizeOptions { MaxSide = 64, Iterations = 2 });

                // Operations are scoped to the caller: alice sees hers, bob his own only; an admin sees every caller's.
                Assert.Contains((await alice.ListOperationsAsync()).Operations, o => o.Name == running.Name);
                Assert.DoesNotContain((await bob.ListOperationsAsync()).Operations, o => o.Name == running.Name);
                Assert.Contains((await bob.ListOperationsAsync()).Operations, o => o.Name == bobs.Name);
                var hidden = await Assert.ThrowsAsync<StyleGrpcException>(() => bob.GetOperationAsync(running.Name));
                Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
                Assert.Equal(running.Name, (await admin.GetOperationAsync(running.Name)).Name);
                // Bob's job waits behind alice's (one job at a time): it runs once hers is cancelled.
                await alice.CancelOperationAsync(running.Name);
                Assert.True((await bob.WaitOperationAsync(bobs.Name, TimeSpan.FromSeconds(60))).Done);
            }
            finally
            {
                await alice.CancelOperationAsync(running.Name);
                await alice.WaitOperationAsync(running.Name, TimeSpan.FromSeconds(60));
            }
        }
        finally
        {
            await admin.DeleteStyleAsync("jwt-starry");
        }
    }

    [Fact]
    public async Task Roles_AdminTokenManagesStyles_UserTokenAndRolelessTokenArePermissionDenied()
    {
        using var admin = Connect(Token("carol", AdminRole));
        using var user = Connect(Token("alice", UserRole));
        using var roleless = Connect(Token("dave", roles: null));

        var denied = await Assert.ThrowsAsync<StyleGrpcException>(() => user.RegisterStyleAsync("jwt-denied", TestData.Image("starry_night.jpg"),
            new RegisterStyleOptions { StyleSize = 64 }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var info = AccessTests.ErrorInfoOf(denied);
        Assert.Equal(("PERMISSION_DENIED", "stylegrpc", "user", "/stylegrpc.v1.StyleTransferService/RegisterStyle"),
            (info.Reason, info.Domain, info.Metadata["caller_role"], info.Metadata["method"]));

        // A valid token with none of the configured role values may call nothing, and is told which claim and values count.
        var none = await Assert.ThrowsAsync<StyleGrpcException>(() => roleless.ListStylesAsync());
        Assert.Equal(StatusCode.PermissionDenied, none.StatusCode);
        Assert.Equal("none", AccessTests.ErrorInfoOf(none).Metadata["caller_role"]);
        Assert.Contains("'roles'", none.Detail);

        await admin.RegisterStyleAsync("jwt-admin", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });
        Assert.Equal("jwt-admin", (await user.GetStyleAsync("jwt-admin")).Id);
        await admin.DeleteStyleAsync("jwt-admin");
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "expired", "TOKEN_EXPIRED", "lifetime" },
        { "audience", "TOKEN_INVALID", "audience" },
        { "signature", "TOKEN_INVALID", "signature" },
        { "issuer", "TOKEN_INVALID", "issuer" },
        { "garbage", "TOKEN_INVALID", "format" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task RefusedToken_IsUnauthenticated_WithTheReasonAndTheCheck(string kind, string reason, string check)
    {
        using var forger = RSA.Create(2048);
        var token = kind switch
        {
            "expired" => Token("alice", UserRole, expires: TimeSpan.FromMinutes(-10)),
            "audience" => Token("alice", UserRole, audience: "api://another-api"),
            "signature" => Token("alice", UserRole, signWith: forger),
            "issuer" => Token("alice", UserRole, issuer: "https://another-issuer.example"),
            _ => "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        };
        using var client = Connect(token);

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.GetServerInfoAsync());

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        var info = AccessTests.ErrorInfoOf(ex);
        Assert.Equal((reason, "stylegrpc", check), (info.Reason, info.Domain, info.Metadata["check"]));
        Assert.Equal(reason, ex.Reason);
    }

    [Fact]
    public async Task ApiKeys_StillWorkBesideTokens_AndNoCredentialsIsUnauthenticated()
    {
        using var key = Connect(apiKey: JwtServer.UserKey);
        using var wrongKey = Connect(apiKey: "sgk_not-a-key");
        using var nothing = Connect();

        Assert.Equal("user", (await key.GetServerInfoAsync()).CallerRole);
        Assert.Equal("API_KEY_INVALID", AccessTests.ErrorInfoOf(await Assert.ThrowsAsync<StyleGrpcException>(() => wrongKey.GetServerInfoAsync())).Reason);
        var missing = await Assert.ThrowsAsync<StyleGrpcException>(() => nothing.GetServerInfoAsync());
        Assert.Equal("CREDENTIALS_MISSING", AccessTests.ErrorInfoOf(missing).Reason);
        Assert.Contains("bearer token", missing.Detail);
    }

    [Fact]
    public async Task ProviderUnreachable_IsUnavailableWithRetryInfo_NotAnInvalidToken()
    {
        // The provider's address answers nothing (a port nobody listens on): the token cannot be checked either way.
        var closed = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Jwt:Authority"] = closed,
            ["StyleGrpc:Jwt:Audience"] = JwtServer.Audience,
            ["StyleGrpc:Jwt:RequireHttpsMetadata"] = "false",
        });
        using var client = new StyleGrpcClient(new StyleGrpcClientOptions
        {
            Address = new Uri(host.Address),
            MaxAttempts = 1,
            BearerToken = Token("alice", UserRole, issuer: closed),
        });

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.GetServerInfoAsync());

        Assert.True(ex.StatusCode == StatusCode.Unavailable, $"{ex.StatusCode}: {ex.Detail}");
        Assert.Equal("IDENTITY_PROVIDER_UNAVAILABLE", AccessTests.ErrorInfoOf(ex).Reason);
    }

    [Fact]
    public async Task JwksUrl_WithoutDiscovery_ValidatesWithThoseKeys_AndARotatedKeyIsFetchedWhenATokenNamesIt()
    {
        // A provider without a discovery document: the keys' URL and the issuer, set directly. Its own provider: it rotates.
        await using var provider = await TestIdentityProvider.StartAsync();
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Jwt:JwksUrl"] = provider.JwksUrl,
            ["StyleGrpc:Jwt:Issuer"] = provider.Issuer,
            ["StyleGrpc:Jwt:Audience"] = JwtServer.Audience,
            ["StyleGrpc:Jwt:RequireHttpsMetadata"] = "false",
        });
        var admin = new[] { "admin" };
        using var client = new StyleGrpcClient(new StyleGrpcClientOptions
        {
            Address = new Uri(host.Address),
            MaxAttempts = 1,
            // Asked before every call: a fresh token each time, signed with the provider's key of the moment.
            BearerTokenProvider = _ => Task.FromResult(provider.Token("carol", JwtServer.Audience, new Dictionary<string, object> { ["roles"] = admin })),
        });
        using var forger = RSA.Create(2048);
        using var forged = new StyleGrpcClient(new StyleGrpcClientOptions
        {
            Address = new Uri(host.Address),
            MaxAttempts = 1,
            BearerToken = provider.Token("carol", JwtServer.Audience, new Dictionary<string, object> { ["roles"] = admin }, signWith: forger),
        });

        Assert.Equal("admin", (await client.GetServerInfoAsync()).CallerRole);
        Assert.Equal(1, provider.JwksRequests);

        // The provider rotates its key: a token naming the new key makes the server fetch the keys again, in the background
        // (IdentityModel's ConfigurationManager: that call may still be refused; at most every 5 minutes after the first).
        provider.RotateKey();
        var accepted = false;
        for (var attempt = 0; attempt < 50 && !accepted; attempt++)
        {
            try
            {
                accepted = (await client.GetServerInfoAsync()).CallerRole == "admin";
            }
            catch (StyleGrpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                await Task.Delay(100);
            }
        }
        Assert.True(accepted);
        Assert.Equal(2, provider.JwksRequests);
        Assert.Equal("signature", AccessTests.ErrorInfoOf(await Assert.ThrowsAsync<StyleGrpcException>(() => forged.GetServerInfoAsync())).Metadata["check"]);
    }
}
