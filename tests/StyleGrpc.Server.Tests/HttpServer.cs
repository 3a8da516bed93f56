namespace StyleGrpc.Server.Tests;

/// <summary>One open server with its HTTP+JSON face on a free port, for tests that need no settings of their own: started once, with the style "starry".</summary>
public sealed class HttpServer : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (Host, Http) = await HttpApiTests.StartAsync();
        await Frames.RegisterStarryAsync(Host);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
