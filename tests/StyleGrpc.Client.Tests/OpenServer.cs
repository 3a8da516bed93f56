using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// One open server (no keys) for a class of tests that need no settings of their own: started once, with the style
/// "starry". Tests leave it as they found it (styles they add they delete; jobs they start have stopped).
/// </summary>
public sealed class OpenServer : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await ServerHost.StartAsync();
        using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(Host.Address) });
        await client.RegisterStyleAsync("starry", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
