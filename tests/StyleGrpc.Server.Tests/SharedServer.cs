namespace StyleGrpc.Server.Tests;

/// <summary>One server for a class of tests that only read (or only get refused): started once, with the style "starry".</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(Host);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
