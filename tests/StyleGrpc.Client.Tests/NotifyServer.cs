namespace StyleGrpc.Client.Tests;

/// <summary>
/// One server with completion webhooks on, for a class of tests: two receivers on 127.0.0.1 (<see cref="Receiver"/> answers
/// 200; <see cref="Flaky"/> answers 500 once, then 200), JWT callers of a test identity provider, training photos, and a
/// default URL for the JWT caller <see cref="DefaultSubject"/> in the list form (<c>StyleGrpc:Webhooks:Defaults</c>). Tests
/// tell their deliveries apart by the operation's name.
/// </summary>
public sealed class NotifyServer : IAsyncLifetime
{
    public const string Audience = "api://stylegrpc-test";

    /// <summary>The subject whose caller ID (<c>jwt:&lt;issuer&gt;|&lt;subject&gt;</c>) has a default notification URL.</summary>
    public const string DefaultSubject = "dana";

    public TestIdentityProvider Provider { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public WebhookReceiver Flaky { get; private set; } = null!;

    public ServerHost Host { get; private set; } = null!;

    /// <summary><see cref="DefaultSubject"/>'s default URL: the receiver's, with a query to tell it from a requested one.</summary>
    public string DefaultUrl => Receiver.Url + "?default";

    public async Task InitializeAsync()
    {
        Provider = await TestIdentityProvider.StartAsync();
        Receiver = await WebhookReceiver.StartAsync();
        Flaky = await WebhookReceiver.StartAsync(true, 500);
        Host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Jwt:Authority"] = Provider.Issuer,
            ["StyleGrpc:Jwt:Audience"] = Audience,
            // The test provider serves plain HTTP on loopback.
            ["StyleGrpc:Jwt:RequireHttpsMetadata"] = "false",
            ["StyleGrpc:Training:ContentDirectory"] = TrainingPhotosFolder.Create(),
            ["StyleGrpc:Webhooks:AllowedUrls:0"] = Receiver.Prefix,
            ["StyleGrpc:Webhooks:AllowedUrls:1"] = Flaky.Prefix,
            ["StyleGrpc:Webhooks:SigningSecret"] = "test-signing-secret-0123456789",
            ["StyleGrpc:Webhooks:FirstRetrySeconds"] = "0.2",
            ["StyleGrpc:Webhooks:MaxRetrySeconds"] = "0.5",
            ["StyleGrpc:Webhooks:TimeoutSeconds"] = "5",
            // A JWT caller's ID holds ':', which a configuration key cannot: the list form names it as a value.
            ["StyleGrpc:Webhooks:Defaults:0:Caller"] = $"jwt:{Provider.Issuer}|{DefaultSubject}",
            ["StyleGrpc:Webhooks:Defaults:0:Url"] = DefaultUrl,
        });
        using var admin = Connect("carol", "admin");
        await admin.RegisterStyleAsync("starry", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });
    }

    /// <summary>A client whose caller is <c>jwt:&lt;issuer&gt;|<paramref name="subject"/></c> with <paramref name="role"/>.</summary>
    public StyleGrpcClient Connect(string subject, string role) => new(new StyleGrpcClientOptions
    {
        Address = new Uri(Host.Address),
        BearerToken = Provider.Token(subject, Audience, new Dictionary<string, object> { ["roles"] = new[] { role } }),
        MaxAttempts = 1,
    });

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Flaky.DisposeAsync();
        await Receiver.DisposeAsync();
        await Provider.DisposeAsync();
    }
}
