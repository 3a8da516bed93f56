namespace StyleGrpc.Client.Tests;

/// <summary>
/// One server that takes API keys and JWTs of a test identity provider (<see cref="TestIdentityProvider"/>, found through its
/// discovery document: <c>StyleGrpc:Jwt:Authority</c>), with one job per caller at once, for a class of tests. Tests leave it
/// as they found it.
/// </summary>
public sealed class JwtServer : IAsyncLifetime
{
    public const string Audience = "api://stylegrpc-test";
    public const string UserKey = "sgk_jwt-server-user";

    public TestIdentityProvider Provider { get; private set; } = null!;

    public ServerHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await TestIdentityProvider.StartAsync();
        Host = await ServerHost.StartAsync(new Dictionary<string, string?>(TestKeys.Settings((UserKey, "user")))
        {
            ["StyleGrpc:Jwt:Authority"] = Provider.Issuer,
            ["StyleGrpc:Jwt:Audience"] = Audience,
            // The test provider serves plain HTTP on loopback.
            ["StyleGrpc:Jwt:RequireHttpsMetadata"] = "false",
            ["StyleGrpc:MaxJobsPerKey"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Provider.DisposeAsync();
    }
}
