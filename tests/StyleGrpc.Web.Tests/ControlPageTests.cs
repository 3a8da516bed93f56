using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// The page's instant styles (a style's trained feed-forward network: the Train button, the badge, the Fast method)
/// and its controls (regions painted with a brush, the colour choice), in Debian's Chromium against a real server.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ControlPageTests(ITestOutputHelper output)
{
    // A test trains for the sake of the page (12 iterations of 64 px on three photos: noise); refreshing the screenshots
    // (PageTests.UpdatingScreenshots) trains a network worth showing in docs/http.md: 800 iterations of 256 px on every test photo.
    private static readonly string[] TrainingPhotos = PageTests.UpdatingScreenshots
        ? ["tubingen.jpg", "storm.jpg", "dune.jpg", "garden.jpg", "shipwreck.jpg"]
        : ["tubingen.jpg", "storm.jpg", "dune.jpg"];

    private static readonly int TrainingIterations = PageTests.UpdatingScreenshots ? 800 : 12;

    private static readonly string TrainingSize = PageTests.UpdatingScreenshots ? "256" : "64";

    // The instant result's side: large enough to see in the screenshot when refreshing it.
    private static readonly string FastSize = PageTests.UpdatingScreenshots ? "256" : "128";

    // Records every text #train-status takes, as it happens (the training may pass between two polls from here).
    private const string TrainStatusScript = """
        () => {
          window.trainStatuses = [];
          const status = document.querySelector('#train-status');
          new MutationObserver(() => window.trainStatuses.push(status.textContent))
            .observe(status, { childList: true, characterData: true, subtree: true });
        }
        """;

    // A server with a few photos to train on and small training defaults (the page asks for its own sizes as well).
    private static Dictionary<string, string?> TrainingSettings()
    {
        var photos = TestData.NewTempDirectory();
        foreach (var name in TrainingPhotos)
        {
            File.Copy(TestData.Image(name), Path.Combine(photos, name));
        }
        return new Dictionary<string, string?>
        {
            ["StyleGrpc:Training:ContentDirectory"] = photos,
            ["StyleGrpc:Training:Iterations"] = TrainingIterations.ToString(CultureInfo.InvariantCulture),
            ["StyleGrpc:Training:ImageSize"] = "64",
            ["StyleGrpc:Training:BatchSize"] = "1",
        };
    }

    private static async Task<JsonElement> GetJsonAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return JsonDocument.Parse(await http.GetStringAsync(url)).RootElement.Clone();
    }

    private static async Task<IPage> NewPageAsync(IBrowser browser, string url)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1100 } });
        page.SetDefaultTimeout(PageTests.Timeout);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator(".card.selected")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#server-info")).ToContainTextAsync("styles");
        return page;
    }

    // Clicks Stylize and returns the JSON the page submitted.
    private static async Task<JsonElement> SubmitAsync(IPage page)
    {
        var request = await page.RunAndWaitForRequestAsync(() => page.Locator("#stylize").ClickAsync(), r => r.Url.EndsWith("/v1/stylize:submit", StringComparison.Ordinal));
        return request.PostDataJSON() ?? throw new InvalidOperationException("the submit had no JSON body");
    }

    [Fact]
    public async Task Page_TrainButton_TrainsTheStyle_ThenFastGivesTheResultAtOnce()
    {
        var (host, url) = await PageTests.StartAsync(TrainingSettings());
        await using var server = host;
        await PageTests.RegisterAsync(url, "starry", "starry_night.jpg", "The Starry Night");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await NewPageAsync(browser, url);

        // The server has training photos: the admin (no keys: everyone) sees Train; the style is not instant yet.
        await Assertions.Expect(page.Locator("#instant")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#instant-state")).ToContainTextAsync("Not instant yet");
        await Assertions.Expect(page.Locator(".card.selected .badge")).ToHaveCountAsync(0);
        // (Playwright's enabled state does not look at an option's own disabled property.)
        await Assertions.Expect(page.Locator("#method option[value=METHOD_FEED_FORWARD]")).ToHaveJSPropertyAsync("disabled", true);

        await page.EvaluateAsync(TrainStatusScript);
        await page.Locator("#train-iterations").FillAsync(TrainingIterations.ToString(CultureInfo.InvariantCulture));
        await page.Locator("#train-size").FillAsync(TrainingSize);
        // "For video": the stability term and the shifted loss go with the request.
        await page.Locator("#train-video").CheckAsync();
        var sent = await page.RunAndWaitForRequestAsync(() => page.Locator("#train").ClickAsync(),
            r => r.Method == "POST" && r.Url.EndsWith(":train", StringComparison.Ordinal));
        using (var body = System.Text.Json.JsonDocument.Parse(sent.PostData!))
        {
            Assert.Equal(30, body.RootElement.GetProperty("stabilityWeight").GetDouble());
            Assert.True(body.RootElement.GetProperty("shiftedLoss").GetBoolean());
        }
        await Assertions.Expect(page.Locator("#train")).ToBeDisabledAsync();

        // Done: the card says "instant", the state names the network, the training's end is noted with its loss.
        await Assertions.Expect(page.Locator(".card.selected .badge")).ToHaveTextAsync("instant",
            new() { Timeout = (PageTests.UpdatingScreenshots ? 30 : 3) * PageTests.Timeout });
        await Assertions.Expect(page.Locator("#instant-state")).ToContainTextAsync($"Instant: network v1, trained {TrainingIterations} iterations");
        await Assertions.Expect(page.Locator("#train-status")).ToContainTextAsync($"trained: {TrainingIterations} iterations, final loss");
        await Assertions.Expect(page.Locator("#train")).ToHaveTextAsync("Train again");
        var statuses = await page.EvaluateAsync<string[]>("() => window.trainStatuses");
        output.WriteLine("training statuses: " + string.Join(" | ", statuses));
        Assert.Contains(statuses, s => s.StartsWith("starting", StringComparison.Ordinal) || s.StartsWith("queued", StringComparison.Ordinal) || s.StartsWith("iteration ", StringComparison.Ordinal));
        foreach (var progress in statuses.Where(s => s.StartsWith("iteration ", StringComparison.Ordinal)))
        {
            Assert.Matches($@"^iteration \d+ of {TrainingIterations}( · loss [0-9.e+-]+)?( · about \d+ s left)?$", progress);
        }
        var style = await GetJsonAsync(url + "v1/styles/starry");
        Assert.Equal("READY", style.GetProperty("feedForward").GetProperty("state").GetString());
        Assert.Equal(TrainingIterations, style.GetProperty("feedForward").GetProperty("iterations").GetInt32());
        // The training is one of the caller's jobs, shown as such.
        await Assertions.Expect(page.Locator("#jobs tbody tr").Filter(new() { HasText = "train starry" }).Locator(".state")).ToHaveTextAsync("done");

        // Fast: one pass of the network; no iterations, previews or optimiser in the request.
        await Assertions.Expect(page.Locator("#method option[value=METHOD_FEED_FORWARD]")).ToHaveJSPropertyAsync("disabled", false);
        await page.Locator("#content-file").SetInputFilesAsync(TestData.Image("tubingen.jpg"));
        await page.Locator("#size").SelectOptionAsync(FastSize);
        await page.Locator("#method").SelectOptionAsync("METHOD_FEED_FORWARD");
        await Assertions.Expect(page.Locator("#iterations")).ToBeDisabledAsync();
        var fast = await SubmitAsync(page);
        var options = fast.GetProperty("options");
        Assert.Equal("METHOD_FEED_FORWARD", options.GetProperty("method").GetString());
        Assert.False(options.TryGetProperty("iterations", out _));
        Assert.False(options.TryGetProperty("colorControl", out _));
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done: instant result in");
        await Assertions.Expect(page.Locator("#preview")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync($"() => document.querySelector('#preview').naturalWidth === {FastSize} || document.querySelector('#preview').naturalHeight === {FastSize}");
        await Assertions.Expect(page.Locator("#record")).ToContainTextAsync("\"method\": \"METHOD_FEED_FORWARD\"");
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync($"--style starry -o stylized.png --size {FastSize} --fast");

        // The pass keeps the network's colours, and cannot paint regions: the page disables the one, the server refuses
        // the other naming the field.
        await Assertions.Expect(page.Locator("#color")).ToBeDisabledAsync();
        await DragAsync(page, 0.1, 0.5, 0.9, 0.5);
        await page.Locator("#stylize").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("options.method");
        await page.Locator("#clear-regions").ClickAsync();

        // Instant first, then refined: optimisation from the network's output.
        await page.Locator("#method").SelectOptionAsync("METHOD_OPTIMIZATION");
        await page.Locator("#iterations").FillAsync("10");
        await page.Locator("#optimizer").SelectOptionAsync("OPTIMIZER_ADAM");
        await page.Locator("#init-fast").CheckAsync();
        var refined = await SubmitAsync(page);
        Assert.Equal("INIT_FEED_FORWARD", refined.GetProperty("options").GetProperty("init").GetString());
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done: 10 iterations");
        await Assertions.Expect(page.Locator("#record")).ToContainTextAsync("\"init\": \"INIT_FEED_FORWARD\"");
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync("--init feed-forward");
        await PageTests.ScreenshotAsync(page, "web-instant");
    }

    [Fact]
    public async Task Page_TrainIsForAdmins_AUserKeyNeverSeesIt_AndARefusalHidesItWhereTheServerDoesNotSayTheRole()
    {
        var settings = TrainingSettings();
        foreach (var (key, value) in TestKeys.Settings(("admin-key", "admin"), ("user-key", "user")))
        {
            settings[key] = value;
        }
        var (host, url) = await PageTests.StartAsync(settings);
        await using var server = host;
        using (var http = new HttpClient())
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "admin-key");
            var registered = await http.PostAsync(url + "v1/styles", System.Net.Http.Json.JsonContent.Create(new
            {
                styleId = "starry",
                image = Convert.ToBase64String(await File.ReadAllBytesAsync(TestData.Image("starry_night.jpg"))),
                styleSize = 64,
            }));
            registered.EnsureSuccessStatusCode();
        }
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(PageTests.Timeout);
        await page.GotoAsync(url);

        // GetServerInfo says the key's role: a user's key is never offered Train.
        await UseKeyAsync(page, "user-key");
        await Assertions.Expect(page.Locator(".card.selected")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#instant-state")).ToHaveTextAsync("Not instant: only optimisation paints with it.");
        await Assertions.Expect(page.Locator("#train-controls")).ToBeHiddenAsync();
        Assert.Equal("user", (await GetJsonAsyncWithKey(url + "v1/info", "user-key")).GetProperty("callerRole").GetString());

        // An admin's key is.
        await UseKeyAsync(page, "admin-key");
        await Assertions.Expect(page.Locator("#train")).ToBeVisibleAsync();

        // A server that does not say the role (an older one: the field removed from its answer here) still shows Train to
        // a user's key; its refusal (403, PERMISSION_DENIED) is shown and Train goes, and the style does not start training.
        await page.RouteAsync("**/v1/info", async route =>
        {
            // The request as the page made it, its Authorization header included.
            var response = await route.FetchAsync(new() { Headers = await route.Request.AllHeadersAsync() });
            var info = System.Text.Json.Nodes.JsonNode.Parse(await response.TextAsync())!.AsObject();
            info.Remove("callerRole");
            await route.FulfillAsync(new() { Response = response, Body = info.ToJsonString() });
        });
        // The page has the user key's (role-less) answer before Train is clicked: a late answer cannot overwrite the refusal.
        var answered = await page.RunAndWaitForResponseAsync(() => UseKeyAsync(page, "user-key"), "**/v1/info");
        Assert.True(answered.Ok, $"/v1/info answered {answered.Status}");
        await Assertions.Expect(page.Locator("#server-info")).Not.ToHaveTextAsync("server info unavailable");
        await Assertions.Expect(page.Locator("#train")).ToBeVisibleAsync();
        await page.Locator("#train").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("role");
        await Assertions.Expect(page.Locator("#train-controls")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#instant-state")).ToContainTextAsync("Not instant");
        var style = await GetJsonAsyncWithKey(url + "v1/styles/starry", "admin-key");
        Assert.NotEqual("TRAINING", style.GetProperty("feedForward").GetProperty("state").GetString());
    }

    private static async Task UseKeyAsync(IPage page, string key)
    {
        await page.Locator("#api-key").FillAsync(key);
        await page.Locator("#api-key").DispatchEventAsync("change");
    }

    private static async Task<JsonElement> GetJsonAsyncWithKey(string url, string key)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return JsonDocument.Parse(await http.GetStringAsync(url)).RootElement.Clone();
    }

    // Drags the mouse across the paint canvas from (x0, y0) to (x1, y1), given as fractions of its box.
    private static async Task DragAsync(IPage page, double x0, double y0, double x1, double y1)
    {
        var box = await page.Locator("#paint").BoundingBoxAsync() ?? throw new InvalidOperationException("#paint has no box");
        await page.Mouse.MoveAsync((float)(box.X + x0 * box.Width), (float)(box.Y + y0 * box.Height));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((float)(box.X + x1 * box.Width), (float)(box.Y + y1 * box.Height), new() { Steps = 12 });
        await page.Mouse.UpAsync();
    }

    // The mask's grey level at (x, y), fractions of its size.
    private static byte Grey(RgbImage mask, double x, double y)
    {
        var i = ((int)(y * (mask.Height - 1)) * mask.Width + (int)(x * (mask.Width - 1))) * 3;
        return mask.Pixels[i + 1];
    }

    [Fact]
    public async Task Page_PaintTwoRegions_WithTwoStyles_SendsOneMaskEach_AndShowsTheResult()
    {
        var (host, url) = await PageTests.StartAsync();
        await using var server = host;
        await PageTests.RegisterAsync(url, "starry", "starry_night.jpg", "The Starry Night");
        await PageTests.RegisterAsync(url, "scream", "the_scream.jpg", "The Scream");
        await PageTests.RegisterAsync(url, "shipwreck", "shipwreck.jpg", "Shipwreck");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await NewPageAsync(browser, url);
        // The rest of the picture in The Starry Night (the gallery's first card is The Scream, by ID).
        await page.Locator(".card[data-style-id=starry]").ClickAsync();
        var info = await GetJsonAsync(url + "v1/info");
        Assert.True(info.GetProperty("limits").GetProperty("maxRegions").GetInt32() >= 2);

        // The photo, then the painting tools over it.
        await page.Locator("#content-file").SetInputFilesAsync(TestData.Image("tubingen.jpg"));
        await Assertions.Expect(page.Locator("#regions")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('#paint').width > 0");
        var photo = ImageCodec.ReadDimensions(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")));

        // Region 1: the sky (top), in The Scream; region 2: the bottom, in Shipwreck. The rest keeps the gallery's style.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a region" }).ClickAsync();
        var first = page.Locator("#region-list li").Nth(0);
        await first.Locator("select").SelectOptionAsync("scream");
        await page.Locator("#brush-size").FillAsync("40");
        await DragAsync(page, 0.05, 0.12, 0.95, 0.12);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a region" }).ClickAsync();
        var second = page.Locator("#region-list li").Nth(1);
        await Assertions.Expect(second.GetByRole(AriaRole.Radio)).ToBeCheckedAsync();
        await second.Locator("select").SelectOptionAsync("shipwreck");
        await DragAsync(page, 0.05, 0.85, 0.95, 0.85);
        // The eraser takes a stripe out of region 1 again.
        await page.Locator("#eraser").ClickAsync();
        await Assertions.Expect(page.Locator("#eraser")).ToHaveAttributeAsync("aria-pressed", "true");
        await DragAsync(page, 0.5, 0.02, 0.5, 0.25);
        await page.Locator("#eraser").ClickAsync();

        var size = PageTests.UpdatingScreenshots ? "256" : "128";
        await page.Locator("#size").SelectOptionAsync(size);
        await page.Locator("#iterations").FillAsync(PageTests.UpdatingScreenshots ? "150" : "20");
        if (!PageTests.UpdatingScreenshots)
        {
            await page.Locator("#optimizer").SelectOptionAsync("OPTIMIZER_ADAM");
        }
        var sent = await SubmitAsync(page);

        // One mask per region, at the photo's aspect ratio, white where its region was painted and black elsewhere.
        var regions = sent.GetProperty("regions").EnumerateArray().ToArray();
        Assert.Equal(2, regions.Length);
        Assert.Equal(new[] { "scream", "shipwreck" }, regions.Select(r => r.GetProperty("styleName").GetString()).ToArray());
        var masks = regions.Select(r => ImageCodec.Decode(Convert.FromBase64String(r.GetProperty("mask").GetString()!))).ToArray();
        foreach (var mask in masks)
        {
            Assert.InRange((double)mask.Width / mask.Height / ((double)photo.Width / photo.Height), 0.99, 1.01);
        }
        Assert.Equal(255, Grey(masks[0], 0.25, 0.12));
        Assert.Equal(0, Grey(masks[0], 0.5, 0.12));
        Assert.Equal(0, Grey(masks[0], 0.25, 0.85));
        Assert.Equal(0, Grey(masks[0], 0.25, 0.5));
        Assert.Equal(255, Grey(masks[1], 0.25, 0.85));
        Assert.Equal(0, Grey(masks[1], 0.25, 0.12));
        Assert.Equal("starry", sent.GetProperty("styleName").GetString());

        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done", new() { Timeout = 2 * PageTests.Timeout });
        await Assertions.Expect(page.Locator("#preview")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#record")).ToContainTextAsync("maskSha256");
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync("--region region1.png=scream --region region2.png=shipwreck");
        await Assertions.Expect(page.Locator("#region-files a")).ToHaveCountAsync(2);
        await page.Locator("#made summary").ClickAsync();
        await PageTests.ScreenshotAsync(page, "web-regions");

        // Clear takes every region's paint away: nothing to send.
        await page.Locator("#clear-regions").ClickAsync();
        Assert.Equal(0, await page.EvaluateAsync<int>("() => regionMasks().length"));

        // The keyboard paints too: focus the picture, Space puts the brush down, arrows move it.
        await page.Locator("#paint").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("Space");
        var painted = await page.EvaluateAsync<JsonElement>("() => regionMasks().map(r => r.styleName)");
        Assert.Equal(new[] { "shipwreck" }, painted.EnumerateArray().Select(e => e.GetString()).ToArray());
    }

    [Fact]
    public async Task Page_ColourChoice_IsSentAsColorControl()
    {
        var (host, url) = await PageTests.StartAsync();
        await using var server = host;
        await PageTests.RegisterAsync(url, "starry", "starry_night.jpg");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await NewPageAsync(browser, url);

        Assert.Equal("COLOR_CONTROL_NONE", await page.Locator("#color").InputValueAsync());
        await page.Locator("#content-file").SetInputFilesAsync(TestData.Image("tubingen.jpg"));
        await page.Locator("#size").SelectOptionAsync("128");
        await page.Locator("#iterations").FillAsync("10");
        await page.Locator("#optimizer").SelectOptionAsync("OPTIMIZER_ADAM");
        await page.GetByLabel("Colours").SelectOptionAsync(new SelectOptionValue { Label = "luminance only" });
        var sent = await SubmitAsync(page);
        Assert.Equal("COLOR_CONTROL_LUMINANCE_ONLY", sent.GetProperty("options").GetProperty("colorControl").GetString());
        Assert.False(sent.GetProperty("options").TryGetProperty("keepOriginalColors", out _));
        Assert.False(sent.TryGetProperty("regions", out _));

        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("done: 10 iterations");
        await Assertions.Expect(page.Locator("#record")).ToContainTextAsync("\"colorControl\": \"COLOR_CONTROL_LUMINANCE_ONLY\"");
        await Assertions.Expect(page.Locator("#cli-command")).ToContainTextAsync("--color luminance");
    }
}
