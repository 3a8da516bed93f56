using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace StyleGrpc.Tests.Shared;

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel, HTTP/1.1): records every POST (body and signature header) and answers the
/// statuses it is given, in order, then 200. It can stop and start again on the same port (a receiver that is down). Shared
/// by the server, client and CLI tests.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> answers = new();
    private WebApplication? app;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    /// <summary>The URL prefix an AllowedUrls entry names: the loopback address itself, so it is allowed.</summary>
    public string Prefix => $"http://127.0.0.1:{Port}/";

    public string Url => Prefix + "hooks/stylegrpc";

    public ConcurrentQueue<Delivery> Received { get; } = new();

    /// <summary>A receiver on a free port, running unless <paramref name="running"/> is false.</summary>
    public static async Task<WebhookReceiver> StartAsync(bool running = true, params int[] answers)
    {
        var receiver = new WebhookReceiver(ServerProcess.FreePort());
        foreach (var answer in answers)
        {
            receiver.answers.Enqueue(answer);
        }
        if (running)
        {
            await receiver.StartAsync();
        }
        return receiver;
    }

    public async Task StartAsync()
    {
        // A content root of its own: the test's output folder holds the server's appsettings.json, whose Kestrel endpoints
        // (port 50051) a receiver started there would bind as well.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = TestData.NewTempDirectory() });
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, Port, l => l.Protocols = HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/hooks/stylegrpc", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = answers.TryDequeue(out var s) ? s : 200;
            Received.Enqueue(new Delivery(body.ToArray(), context.Request.Headers["StyleGrpc-Signature"].ToString(), status));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public sealed record Delivery(byte[] Body, string Signature, int Answered);
}
