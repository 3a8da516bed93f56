using Microsoft.Playwright;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// The page in a real browser: Debian's Chromium, headless, driven by Playwright (its bundled driver; no browser
/// download), against a real server on loopback. Screenshots go to the temp directory, and into docs/ when
/// <c>STYLEGRPC_UPDATE_SCREENSHOTS=1</c>.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class PageTests
{
    private const string Chromium = "/usr/bin/chromium";
    internal static readonly float Timeout = 60_000;

    // Records, in the page, each value #preview's data-iteration takes (a mutation's old value is the previous
    // mutation's new value) and the number of points each time the loss curve is drawn.
    private const string SeenScript = """
        () => {
          const seen = window.seen = { previews: [], curve: [] };
          const preview = document.querySelector('#preview');
          new MutationObserver(records => {
            const values = records.slice(1).map(r => r.oldValue);
            values.push(preview.getAttribute('data-iteration'));
            for (const v of values) if (v !== null) seen.previews.push(Number(v));
          }).observe(preview, { attributes: true, attributeFilter: ['data-iteration'], attributeOldValue: true });
          const draw = window.drawLosses;
          window.drawLosses = () => { seen.curve.push(state.points.length); draw(); };
        }
        """;

    // Screenshots for the docs are taken on the offline default network (real ImageNet weights, real strokes);
    // the tests otherwise run on the small random-weight reference VGG19, which is fast but paints noise.
    internal static bool UpdatingScreenshots => Environment.GetEnvironmentVariable("STYLEGRPC_UPDATE_SCREENSHOTS") == "1";

    private static string Network => UpdatingScreenshots ? "resnet18-onnx" : "vgg19";

    internal static async Task<(ServerHost Host, string Url)> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var port = ServerProcess.FreePort();
        var settings = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>()) { ["StyleGrpc:Http:Url"] = $"http://127.0.0.1:{port}" };
        if (UpdatingScreenshots)
        {
            settings["StyleGrpc:Vgg19WeightsPath"] = "";
            settings["StyleGrpc:ModelsDirectory"] = Path.Combine(TestData.NewTempDirectory(), "no-models");
        }
        var host = await ServerHost.StartAsync(settings);
        return (host, $"http://127.0.0.1:{port}/");
    }

    internal static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run does it)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    internal static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), name + ".png"), Type = ScreenshotType.Png });
        if (UpdatingScreenshots)
        {
            // Small enough to commit: JPEG.
            var path = Path.Combine(TestData.RepositoryRoot, "docs", "images", name + ".jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, Type = ScreenshotType.Jpeg, Quality = 80 });
        }
    }

    [Fact]
    public async Task Page_RegisterAStyle_WatchItPaint_Download_Cancel()
    {
        var (host, url) = await StartAsync();
        await using var _ = host;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator("#server-info")).ToContainTextAsync(UpdatingScreenshots ? "ResNet18" : "VGG19");
        await Assertions.Expect(page.Locator("#gallery")).ToContainTextAsync("No styles yet");
        // The ID rule and the size choices come from the server's info (MaxSide 256 in tests), not from copies in the page.
        Assert.Equal(@"[a-z0-9][a-z0-9_.\-]{0,62}", await page.Locator("#style-id").GetAttributeAsync("pattern"));
        Assert.Equal(["128", "192", "256"], await page.Locator("#size option").AllInnerTextsAsync());

        // Register a style by choosing a painting.
        await page.Locator("#register summary").ClickAsync();
        await page.Locator("#style-file").SetInputFilesAsync(TestData.Image("starry_night.jpg"));
        await Assertions.Expect(page.Locator("#style-id")).ToHaveValueAsync("starry_night");
        await page.Locator("#style-name").FillAsync("The Starry Night");
        await page.Locator("#register-button").ClickAsync();
        await Assertions.Expect(page.Locator(".card.selected")).ToContainTextAsync("The Starry Night");
        Assert.Equal("starry_night", (await host.Registry.GetAsync("starry_night", CancellationToken.None)).Id);
        // The thumbnail came from the server.
        await page.WaitForFunctionAsync("() => document.querySelector('.card img').naturalWidth > 0");

        // Registering the same ID again shows the server's error.
        await page.Locator("#register summary").ClickAsync();
        await page.Locator("#style-file").SetInputFilesAsync(TestData.Image("the_scream.jpg"));
        await page.Locator("#style-id").FillAsync("starry_night");
        await page.Locator("#register-button").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("already exists");

        // Stylize a small photo and watch it: previews replace each other, the loss curve grows.
        await page.Locator("#content-file").SetInputFilesAsync(TestData.Image("tubingen.jpg"));
        var size = UpdatingScreenshots ? 256 : 128;
        await page.Locator("#size").SelectOptionAsync(size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var iterations = UpdatingScreenshots ? 150 : 60;
        await page.Locator("#iterations").FillAsync(iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!UpdatingScreenshots)
        {
            await page.Locator("#optimizer").SelectOptionAsync("OPTIMIZER_ADAM");
        }
        // The page itself records every preview it shows and every curve it draws, as it happens: polling from here
        // would see only what is on the page at each poll (a fast machine can run the whole job between two polls).
        await page.EvaluateAsync(SeenScript);
        await page.Locator("#stylize").ClickAsync();
        await page.WaitForFunctionAsync($"() => window.seen.previews.length >= {(UpdatingScreenshots ? 4 : 2)}");
        await ScreenshotAsync(page, "web-running");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done", new() { Timeout = Timeout });
        var previews = await page.EvaluateAsync<int[]>("() => window.seen.previews");
        var curve = await page.EvaluateAsync<int[]>("() => window.seen.curve");
        // The page asks for a preview every ceil(iterations / 20); the server may skip previews for a slow reader but
        // always delivers the last two (BufferedPreviews), and the page shows each one it gets, in order.
        var every = (iterations + 19) / 20;
        var lastPreview = iterations / every * every;
        Assert.True(previews.Length >= 2, $"saw previews at iterations {string.Join(", ", previews)}");
        Assert.Equal([lastPreview - every, lastPreview], previews[^2..]);
        Assert.True(previews.Zip(previews.Skip(1)).All(p => p.First < p.Second), $"saw previews at iterations {string.Join(", ", previews)}");
        // The curve is drawn once when the run starts (empty), then once more for each progress frame with one point more.
        var points = await page.EvaluateAsync<int>("() => state.points.length");
        Assert.True(points >= 2);
        Assert.Equal(Enumerable.Range(0, points + 1), curve);
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync("stylegrpc stylize photo.jpg --style starry_night");
        await Assertions.Expect(page.Locator("#record")).ToContainTextAsync($"\"network\": \"{Network}\"");
        await page.Locator("#made summary").ClickAsync();
        await ScreenshotAsync(page, "web-result");

        // Download the result and decode it.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download").ClickAsync());
        var file = Path.Combine(TestData.NewTempDirectory(), download.SuggestedFilename);
        await download.SaveAsAsync(file);
        var image = ImageCodec.Decode(await File.ReadAllBytesAsync(file));
        Assert.Equal(size, Math.Max(image.Width, image.Height));

        // Coarse to fine: the curve is drawn level by level, and the command says how it was made.
        await page.Locator("#scales").SelectOptionAsync("0");
        await page.Locator("#size").SelectOptionAsync("256");
        await page.Locator("#iterations").FillAsync("20");
        await page.Locator("#stylize").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done", new() { Timeout = Timeout });
        Assert.True(await page.EvaluateAsync<int>("() => new Set(state.points.map(p => p.level)).size") >= 2, "the curve has one level only");
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync("--scales 3 --coarse-iterations 2");
        await page.Locator("#scales").SelectOptionAsync("");

        // A long run, cancelled from the page: the job stops on the server.
        await page.Locator("#iterations").FillAsync("5000");
        await page.Locator("#stylize").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("iteration");
        Assert.Equal(1, host.Scheduler.Running);
        await page.Locator("#cancel").ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("cancelled");
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0, TimeSpan.FromSeconds(30)), "the job kept running on the server");
    }

    private static Task RegisterStarryAsync(string url) => RegisterAsync(url, "starry", "starry_night.jpg");

    internal static async Task RegisterAsync(string url, string id, string image, string? displayName = null)
    {
        using var http = new HttpClient();
        var registered = await http.PostAsync(url + "v1/styles", System.Net.Http.Json.JsonContent.Create(new
        {
            styleId = id,
            displayName = displayName ?? "",
            image = Convert.ToBase64String(await File.ReadAllBytesAsync(TestData.Image(image))),
            styleSize = 64,
        }));
        registered.EnsureSuccessStatusCode();
    }

    internal static async Task<IPage> OpenAsync(IBrowser browser, string url)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator(".card.selected")).ToHaveCountAsync(1);
        return page;
    }

    private static async Task StartRunAsync(IPage page, int iterations)
    {
        await page.Locator("#content-file").SetInputFilesAsync(TestData.Image("tubingen.jpg"));
        await page.Locator("#size").SelectOptionAsync("128");
        await page.Locator("#iterations").FillAsync(iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#optimizer").SelectOptionAsync("OPTIMIZER_ADAM");
        await page.Locator("#stylize").ClickAsync();
    }

    private static string? OperationInUrl(IPage page) =>
        System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query)["operation"];

    private static async Task<int> PreviewIterationAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => Number(document.querySelector('#preview').dataset.iteration || 0)");

    [Fact]
    public async Task Page_ReloadedMidRun_ReattachesToTheSameJob_AndShowsItsResult()
    {
        var (host, url) = await StartAsync();
        await using var _ = host;
        await RegisterStarryAsync(url);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await OpenAsync(browser, url);

        await StartRunAsync(page, 400);
        await page.WaitForFunctionAsync("() => document.querySelector('#preview').dataset.iteration > 0");
        var operation = OperationInUrl(page);
        Assert.False(string.IsNullOrEmpty(operation), $"no operation in {page.Url}");
        var before = await PreviewIterationAsync(page);

        await page.ReloadAsync();

        // The same job, followed again: the preview goes on from where it was, then the result.
        Assert.Equal(operation, OperationInUrl(page));
        await page.WaitForFunctionAsync($"() => document.querySelector('#preview').dataset.iteration > {before}");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("iteration");
        await Assertions.Expect(page.Locator("#cancel")).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done: 400 iterations", new() { Timeout = 2 * Timeout });
        await Assertions.Expect(page.Locator("#download")).ToBeVisibleAsync();
        Assert.Equal(operation, OperationInUrl(page));
        // The curve holds this tab's points from before the reload and those after, once each and in order.
        var iterations = await page.EvaluateAsync<int[]>("() => state.points.map(p => p.iteration)");
        Assert.True(iterations.Length >= 2 && iterations.Zip(iterations.Skip(1)).All(p => p.First < p.Second), $"curve at iterations {string.Join(", ", iterations)}");
        Assert.True(iterations[0] < before, $"the curve lost the points drawn before the reload: {string.Join(", ", iterations)}");
        // The reload submitted nothing: one job, and the command names the style the page asked for.
        Assert.Equal(0, host.Scheduler.Running);
        await Assertions.Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync("--style starry -o stylized.png --size 128 --iterations 400 --optimizer adam");
    }

    [Fact]
    public async Task Page_ServerRestartsMidRun_ReconnectsAndShowsTheResult()
    {
        var port = ServerProcess.FreePort();
        var dataDirectory = TestData.NewTempDirectory();
        var settings = new Dictionary<string, string?> { ["StyleGrpc:Http:Url"] = $"http://127.0.0.1:{port}", ["StyleGrpc:CheckpointSeconds"] = "1" };
        var url = $"http://127.0.0.1:{port}/";
        var host = await ServerHost.StartAsync(settings, dataDirectory);
        try
        {
            await RegisterStarryAsync(url);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var page = await OpenAsync(browser, url);
            await page.EvaluateAsync("() => { window.statuses = []; new MutationObserver(() => window.statuses.push(document.querySelector('#status').textContent)).observe(document.querySelector('#status'), { childList: true, characterData: true, subtree: true }); }");
            await StartRunAsync(page, 300);
            await page.WaitForFunctionAsync("() => document.querySelector('#preview').dataset.iteration > 0");

            // The file store hands the running job back on stop and the next start resumes it.
            await host.DisposeAsync();
            await page.WaitForFunctionAsync("() => window.statuses.some(s => s.startsWith('reconnecting'))");
            host = await ServerHost.StartAsync(settings, dataDirectory);

            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done", new() { Timeout = 2 * Timeout });
            await Assertions.Expect(page.Locator("#download")).ToBeVisibleAsync();
            Assert.Empty(await page.Locator("#error").InnerTextAsync());
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Page_RecentJobs_ListTheFinishedJob_AndOpenItsResult()
    {
        var (host, url) = await StartAsync();
        await using var _ = host;
        await RegisterStarryAsync(url);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await OpenAsync(browser, url);
        await Assertions.Expect(page.Locator("#jobs-empty")).ToHaveTextAsync("No jobs yet.");
        await StartRunAsync(page, 20);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done");
        var operation = OperationInUrl(page);

        // The page loaded again without the job in its URL: the list has it, done, with its result to open and download.
        var fresh = page;
        await fresh.GotoAsync(url);
        var row = fresh.Locator($"#jobs tr[data-operation='{operation}']");
        await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("done");
        await Assertions.Expect(row).ToContainTextAsync("20/20");
        Assert.True(await fresh.Locator("#preview").IsHiddenAsync());
        await row.GetByRole(AriaRole.Button, new() { Name = "View" }).ClickAsync();
        await Assertions.Expect(fresh.Locator("#status")).ToContainTextAsync("done: 20 iterations");
        await Assertions.Expect(fresh.Locator("#preview")).ToBeVisibleAsync();
        Assert.Equal(operation, OperationInUrl(fresh));
        await Assertions.Expect(fresh.Locator("#cli-command")).ToContainTextAsync("--style starry");

        var download = await fresh.RunAndWaitForDownloadAsync(() => row.GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        var file = Path.Combine(TestData.NewTempDirectory(), download.SuggestedFilename);
        await download.SaveAsAsync(file);
        Assert.Equal($"stylized-{operation}.png", download.SuggestedFilename);
        var image = ImageCodec.Decode(await File.ReadAllBytesAsync(file));
        Assert.Equal(128, Math.Max(image.Width, image.Height));
    }

    [Fact]
    public async Task Page_OnAPhoneWidthScreen_FitsWithoutSideways()
    {
        var (host, url) = await StartAsync();
        await using var _ = host;
        using (var http = new HttpClient())
        {
            var registered = await http.PostAsync(url + "v1/styles", System.Net.Http.Json.JsonContent.Create(new
            {
                styleId = "starry",
                image = Convert.ToBase64String(await File.ReadAllBytesAsync(TestData.Image("starry_night.jpg"))),
                styleSize = 64,
            }));
            registered.EnsureSuccessStatusCode();
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator(".card")).ToHaveCountAsync(1);

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the screen");
        var stylize = await page.Locator("#stylize").BoundingBoxAsync();
        Assert.NotNull(stylize);
        Assert.True(stylize!.X >= 0 && stylize.X + stylize.Width <= 390);
        await ScreenshotAsync(page, "web-phone");
    }

    [Fact]
    public async Task Page_ServerWithKeys_ShowsTheRefusalThenWorksWithTheKey()
    {
        var port = ServerProcess.FreePort();
        var settings = TestKeys.Settings(("page-key", "admin"));
        settings["StyleGrpc:Http:Url"] = $"http://127.0.0.1:{port}";
        await using var host = await ServerHost.StartAsync(settings);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync($"http://127.0.0.1:{port}/");

        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("API key");
        await page.Locator("#api-key").FillAsync("page-key");
        await page.Locator("#api-key").DispatchEventAsync("change");
        await Assertions.Expect(page.Locator("#server-info")).ToContainTextAsync("styles");
        await Assertions.Expect(page.Locator("#gallery")).ToContainTextAsync("No styles yet");
    }
}
