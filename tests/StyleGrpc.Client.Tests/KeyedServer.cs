namespace StyleGrpc.Client.Tests;

/// <summary>
/// One server that requires API keys, for a class of tests that need no other settings: an admin key and a user key,
/// no styles. Tests leave it as they found it.
/// </summary>
public sealed class KeyedServer : IAsyncLifetime
{
    public const string AdminKey = "admin-key-0123456789";
    public const string UserKey = "user-key-9876543210";

    public ServerHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ServerHost.StartAsync(TestKeys.Settings((AdminKey, "admin"), (UserKey, "user")));

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
