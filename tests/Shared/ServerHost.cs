extern alias server;

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using server::StyleGrpc.Server.Hosting;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Model;
using server::StyleGrpc.Server.Storage;
using server::StyleGrpc.Server.Styles;

namespace StyleGrpc.Tests.Shared;

/// <summary>
/// The real server (same wiring as Program.cs) on Kestrel, h2c on 127.0.0.1 and a free port, with the
/// small reference VGG19 so jobs take milliseconds. Settings can be overridden per test.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServerHost(WebApplication app, string address, string dataDirectory)
    {
        this.app = app;
        Address = address;
        DataDirectory = dataDirectory;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
    }

    public string Address { get; }

    public string DataDirectory { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => app.Services;

    public StyleRegistry Registry => app.Services.GetRequiredService<StyleRegistry>();

    public JobScheduler Scheduler => app.Services.GetRequiredService<JobScheduler>();

    /// <summary>The data-directory store (the default <c>StyleGrpc:Store=file</c>).</summary>
    public FileStyleStore FileStore => (FileStyleStore)app.Services.GetRequiredService<IStyleStore>();

    public static async Task<ServerHost> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null, ModelLoadGate? gate = null,
        bool waitForModel = true)
    {
        dataDirectory ??= TestData.NewTempDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = dataDirectory, EnvironmentName = "Development" });
        var config = new Dictionary<string, string?>
        {
            ["StyleGrpc:Vgg19WeightsPath"] = TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"),
            ["StyleGrpc:Vgg19DeepestLayer"] = "conv3_1",
            ["StyleGrpc:DataDirectory"] = Path.Combine(dataDirectory, "data"),
            ["StyleGrpc:Device"] = "cpu",
            ["StyleGrpc:MaxSide"] = "256",
            ["StyleGrpc:QueueCapacity"] = "4",
            ["StyleGrpc:ConcurrentJobs"] = "1",
            ["StyleGrpc:DrainTimeoutSeconds"] = "1",
            // Metrics off unless a test asks for them on a port of its own (the default port would clash between hosts).
            ["StyleGrpc:Metrics:Url"] = "",
            ["StyleGrpc:Http:Url"] = "",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(config);
        builder.Configuration.AddStyleTransferKeysFile();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (gate is not null)
        {
            builder.Services.AddSingleton(gate);
        }
        builder.Services.AddStyleTransfer(builder.Configuration);
        var app = builder.Build();
        app.MapStyleTransfer();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var host = new ServerHost(app, address, dataDirectory);
        if (waitForModel)
        {
            await app.Services.GetRequiredService<ModelHost>().GetEngineAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }
        return host;
    }

    public Task StopAsync() => app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
