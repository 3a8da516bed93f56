using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StyleGrpc.Engine;
using StyleGrpc.Server.Hosting;
using StyleGrpc.Server.Model;

namespace StyleGrpc.Bench;

/// <summary>The real server in this process, h2c on loopback and a free port, on the offline default network unless told otherwise.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly string data;

    private BenchServer(WebApplication app, string address, string data)
    {
        App = app;
        Address = address;
        this.data = data;
    }

    public WebApplication App { get; }

    public string Address { get; }

    public static async Task<BenchServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var data = Path.Combine(Path.GetTempPath(), $"stylegrpc-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        var config = new Dictionary<string, string?>
        {
            ["StyleGrpc:DataDirectory"] = data,
            ["StyleGrpc:ModelsDirectory"] = Path.Combine(data, "models"),
            ["StyleGrpc:Device"] = "cpu",
            // Ports of its own: several bench servers (and a server the user runs on the defaults) side by side.
            ["StyleGrpc:Http:Url"] = $"http://127.0.0.1:{FreePort()}",
            ["StyleGrpc:Metrics:Url"] = $"http://127.0.0.1:{FreePort()}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(config);
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddStyleTransfer(builder.Configuration);
        var app = builder.Build();
        app.MapStyleTransfer();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await app.Services.GetRequiredService<ModelHost>().GetEngineAsync(CancellationToken.None);
        return new BenchServer(app, address, data);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public StyleTransferEngine Engine => App.Services.GetRequiredService<ModelHost>().Engine;

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
