using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// A browser app on another origin than the server's: a static page with inline script (<c>OtherOrigin/app.html</c>)
/// served by a Kestrel of its own on two loopback ports, so two origins, one of which the server may list.
/// </summary>
public sealed class OtherOriginSite : IAsyncDisposable
{
    private readonly WebApplication app;

    private OtherOriginSite(WebApplication app, string[] origins)
    {
        this.app = app;
        Origins = origins;
    }

    /// <summary>The two origins, <c>http://127.0.0.1:port</c>, as the browser sends them.</summary>
    public string[] Origins { get; }

    public static async Task<OtherOriginSite> StartAsync()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "OtherOrigin", "app.html"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        await app.StartAsync();
        var origins = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => a.TrimEnd('/')).Order(StringComparer.Ordinal).ToArray();
        return new OtherOriginSite(app, origins);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
