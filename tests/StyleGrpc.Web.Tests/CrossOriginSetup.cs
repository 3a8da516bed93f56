using Microsoft.Playwright;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// What each cross-origin test starts: the server (its CORS origins listing the site's first origin, or "*"), the site on two
/// other origins, and Chromium; disposed together.
/// </summary>
public sealed class CrossOriginSetup : IAsyncDisposable
{
    private readonly IPlaywright playwright;

    private CrossOriginSetup(ServerHost host, string url, OtherOriginSite site, IPlaywright playwright, IBrowser browser)
    {
        Host = host;
        Url = url;
        Site = site;
        this.playwright = playwright;
        Browser = browser;
    }

    public ServerHost Host { get; }

    /// <summary>The server's HTTP address.</summary>
    public string Url { get; }

    public OtherOriginSite Site { get; }

    public IBrowser Browser { get; }

    public static async Task<CrossOriginSetup> StartAsync(Dictionary<string, string?> settings, bool anyOrigin)
    {
        var site = await OtherOriginSite.StartAsync();
        settings["StyleGrpc:Http:CorsOrigins:0"] = anyOrigin ? "*" : site.Origins[0];
        var (host, url) = await PageTests.StartAsync(settings);
        var playwright = await Playwright.CreateAsync();
        return new CrossOriginSetup(host, url, site, playwright, await PageTests.LaunchAsync(playwright));
    }

    /// <summary>A page of the site on <paramref name="origin"/>, and the messages its console prints.</summary>
    public async Task<(IPage Page, List<string> Console)> OpenAsync(string origin)
    {
        var page = await Browser.NewPageAsync();
        page.SetDefaultTimeout(PageTests.Timeout);
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        await page.GotoAsync(origin + "/");
        return (page, console);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
        await Site.DisposeAsync();
        await Host.DisposeAsync();
    }
}
