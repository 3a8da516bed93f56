namespace StyleGrpc.Cli.Tests;

/// <summary>
/// One open server for the CLI tests that need no settings of their own: started once, with the style "starry"
/// (registered through the CLI). Tests leave it as they found it (styles they add they remove; jobs they start have stopped).
/// </summary>
public sealed class CliServer : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Every video result over 1 KiB (all of the tests') is left out of the operation: the CLI reads it with ReadVideoResult.
        Host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Video:InlineResultBytes"] = "1024" });
        var add = await CliRunner.RunAsync(Host.Address, "styles", "add", "starry", TestData.Image("starry_night.jpg"), "--style-size", "64");
        if (add.ExitCode != 0)
        {
            throw new InvalidOperationException($"registering starry failed: {add.Error}");
        }
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
