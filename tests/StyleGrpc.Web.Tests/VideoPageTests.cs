using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// The page's video section (issue 28) in Debian's Chromium against a real server with real ffmpeg: a committed clip
/// stylised over a small range, its frames shown as they finish, the result played from a Blob URL and downloaded; a
/// cancelled clip; refusals, client-side (over the size limit) and the server's (a JPEG as the video), naming the field.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class VideoPageTests(ITestOutputHelper output)
{
    // Records, in the page, every frame number #video-frame shows (a mutation's old value is the previous mutation's new
    // value), every text #video-timing takes, and the most frames the strip held at once: the job may finish between two
    // polls from here.
    private const string SeenScript = """
        () => {
          const seen = window.seen = { frames: [], timings: [], strip: 0 };
          const frame = document.querySelector('#video-frame');
          new MutationObserver(records => {
            const values = records.slice(1).map(r => r.oldValue);
            values.push(frame.getAttribute('data-frame'));
            for (const v of values) if (v !== null) seen.frames.push(Number(v));
            seen.strip = Math.max(seen.strip, document.querySelectorAll('#video-strip img').length);
          }).observe(frame, { attributes: true, attributeFilter: ['data-frame'], attributeOldValue: true });
          const timing = document.querySelector('#video-timing');
          new MutationObserver(() => seen.timings.push(timing.textContent))
            .observe(timing, { childList: true, characterData: true, subtree: true });
        }
        """;

    private static async Task<IPage> OpenVideoAsync(IBrowser browser, string url)
    {
        var page = await PageTests.OpenAsync(browser, url);
        await Assertions.Expect(page.Locator("#video-panel")).ToBeVisibleAsync();
        return page;
    }

    private static async Task<JsonElement> SubmitAsync(IPage page)
    {
        var request = await page.RunAndWaitForRequestAsync(() => page.Locator("#video-stylize").ClickAsync(),
            r => r.Url.EndsWith("/v1/videos:stylize", StringComparison.Ordinal));
        return request.PostDataJSON() ?? throw new InvalidOperationException("the submit had no JSON body");
    }

    [Fact]
    public async Task VideoPage_ClipWithARange_ShowsFramesAsTheyFinish_PlaysAndDownloadsTheResult_ThenCancels()
    {
        // The result (over 1 KiB) is left out of the operation: the page reads it with ReadVideoResult before it plays it.
        var (host, url) = await PageTests.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Video:InlineResultBytes"] = "1024" });
        await using var _ = host;
        await PageTests.RegisterAsync(url, "starry", "starry_night.jpg", "The Starry Night");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await OpenVideoAsync(browser, url);

        // The server's limits (defaults: 128 MiB; a clip over 1 MiB is uploaded first, a smaller one goes inside the request).
        await Assertions.Expect(page.Locator("#video-limits")).ToContainTextAsync("up to 128 MiB, 120 s, 3600 frames");
        await Assertions.Expect(page.Locator("#video-style")).ToHaveTextAsync("The Starry Night");

        await page.Locator("#video-file").SetInputFilesAsync(TestData.Video("pan.mp4"));
        await Assertions.Expect(page.Locator("#video-chosen")).ToContainTextAsync("pan.mp4");
        await page.Locator("#video-max-side").FillAsync("48");
        await page.Locator("#video-iterations").FillAsync("2");
        await page.Locator("#video-first").FillAsync("2");
        await page.Locator("#video-count").FillAsync("4");
        await page.EvaluateAsync(SeenScript);
        var sent = await SubmitAsync(page);
        Assert.Equal("starry", sent.GetProperty("styleName").GetString());
        Assert.Equal((2, 4), (sent.GetProperty("frameRange").GetProperty("first").GetInt32(), sent.GetProperty("frameRange").GetProperty("count").GetInt32()));
        Assert.Equal((48, 2), (sent.GetProperty("options").GetProperty("maxSide").GetInt32(), sent.GetProperty("options").GetProperty("iterations").GetInt32()));
        Assert.Equal("VIDEO_FORMAT_MP4", sent.GetProperty("outputFormat").GetString());
        Assert.Equal(File.ReadAllBytes(TestData.Video("pan.mp4")), Convert.FromBase64String(sent.GetProperty("video").GetString()!));

        await Assertions.Expect(page.Locator("#video-status")).ToContainTextAsync("done: 4 frames", new() { Timeout = 2 * PageTests.Timeout });
        var frames = await page.EvaluateAsync<int[]>("() => window.seen.frames");
        var timings = await page.EvaluateAsync<string[]>("() => window.seen.timings");
        var strip = await page.EvaluateAsync<int>("() => window.seen.strip");
        output.WriteLine($"frames shown: {string.Join(", ", frames)}; strip up to {strip}; timings: {string.Join(" | ", timings)}");
        // Each finished frame as it came (the server may drop previews for a slow reader, never the last), in order.
        Assert.True(frames.Length >= 2, $"saw frames {string.Join(", ", frames)}");
        Assert.Equal(4, frames[^1]);
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First < p.Second), $"saw frames {string.Join(", ", frames)}");
        Assert.True(strip >= 2, $"the strip held {strip} frames at most");
        Assert.Contains(timings, t => Regex.IsMatch(t, @"^\d/4 frames · [\d.]+ frames/s · about \d+ s left$"));
        Assert.Equal(frames.Length, await page.Locator("#video-strip img").CountAsync());
        // The played video takes the newest frame's place.
        Assert.True(await page.Locator("#video-frame").IsHiddenAsync());

        // The result plays in the page from a Blob URL: Chromium on Debian decodes the MP4 (H.264) and knows its length.
        var video = page.Locator("#video-result");
        await Assertions.Expect(video).ToBeVisibleAsync();
        Assert.StartsWith("blob:", await video.GetAttributeAsync("src"));
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('#video-result'); return v.readyState >= 1 && v.duration > 0; }");
        var duration = await page.EvaluateAsync<double>("() => document.querySelector('#video-result').duration");
        var size = await page.EvaluateAsync<int[]>("() => [document.querySelector('#video-result').videoWidth, document.querySelector('#video-result').videoHeight]");
        output.WriteLine($"played: {duration:0.000} s, {size[0]}x{size[1]}");
        Assert.InRange(duration, 0.1, 0.5);
        Assert.Equal(48, Math.Max(size[0], size[1]));
        Assert.Null(await video.EvaluateAsync<string?>("v => v.error && v.error.message"));
        await PageTests.ScreenshotAsync(page, "web-video");

        // Downloaded: the same MP4.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#video-download").ClickAsync());
        var operation = System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query)["video"];
        Assert.Equal($"stylized-{operation}.mp4", download.SuggestedFilename);
        var file = Path.Combine(TestData.NewTempDirectory(), download.SuggestedFilename);
        await download.SaveAsAsync(file);
        Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(file), 4, 4));
        // Listed with the caller's jobs as a video, its frames counted.
        var row = page.Locator($"#jobs tr[data-operation='{operation}']");
        await Assertions.Expect(row).ToContainTextAsync("video");
        await Assertions.Expect(row).ToContainTextAsync("4/4 frames");

        // Reloaded: the address names the job, the page re-attaches and plays its result again.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#video-status")).ToContainTextAsync("done: 4 frames");
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('#video-result'); return v.src.startsWith('blob:') && v.duration > 0; }");
        Assert.Equal(operation, System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query)["video"]);

        // The whole clip at many iterations (the reload forgot the clip and the choices), cancelled once it is under way:
        // the job stops on the server.
        await page.Locator("#video-file").SetInputFilesAsync(TestData.Video("pan.mp4"));
        await Assertions.Expect(page.Locator("#video-chosen")).ToContainTextAsync("pan.mp4");
        await page.Locator("#video-max-side").FillAsync("48");
        await page.Locator("#video-iterations").FillAsync("500");
        await page.Locator("#video-stylize").ClickAsync();
        await Assertions.Expect(page.Locator("#video-status")).ToContainTextAsync("stylising");
        await Assertions.Expect(page.Locator("#video-result")).ToBeHiddenAsync();
        await page.Locator("#video-cancel").ClickAsync();
        await Assertions.Expect(page.Locator("#video-status")).ToHaveTextAsync("cancelled");
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0, TimeSpan.FromSeconds(30)), "the job kept running on the server");
        Assert.Empty(await page.Locator("#error").InnerTextAsync());
    }

    // A clip over a 32nd of the request limit (here 1 MiB: 32 KiB) goes first as the body of POST /v1/uploads, as it is; the
    // job's request names the upload instead of carrying the clip.
    [Fact]
    public async Task VideoPage_ALargerClip_IsUploadedFirst_AndTheJobNamesTheUpload()
    {
        var (host, url) = await PageTests.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:MaxRequestBytes"] = "1048576" });
        await using var _ = host;
        await PageTests.RegisterAsync(url, "starry", "starry_night.jpg", "The Starry Night");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await OpenVideoAsync(browser, url);
        var clip = File.ReadAllBytes(TestData.Video("zoom.mp4"));
        Assert.True(clip.Length > 32 * 1024);

        await page.Locator("#video-file").SetInputFilesAsync(TestData.Video("zoom.mp4"));
        await Assertions.Expect(page.Locator("#video-chosen")).ToContainTextAsync("zoom.mp4");
        await page.Locator("#video-max-side").FillAsync("48");
        await page.Locator("#video-iterations").FillAsync("2");
        await page.Locator("#video-count").FillAsync("2");
        var sent = await SubmitAsync(page);
        // What the server stored (Chromium does not hand a File body to Playwright's request): the clip's bytes.
        var name = sent.GetProperty("videoUpload").GetString()!;
        Assert.Matches("^uploads/[0-9a-f]{24}$", name);
        var upload = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(host.DataDirectory, "data", name, "upload.json"))).RootElement;

        Assert.Equal(clip.Length, upload.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(clip)), upload.GetProperty("sha256").GetString());
        Assert.False(sent.TryGetProperty("video", out var _));
        await Assertions.Expect(page.Locator("#video-status")).ToContainTextAsync("done: 2 frames", new() { Timeout = 2 * PageTests.Timeout });
        Assert.Empty(await page.Locator("#error").InnerTextAsync());
    }

    [Fact]
    public async Task VideoPage_Refusals_ClipOverTheLimitRefusedInThePage_AJpegRefusedByTheServerNamingVideo()
    {
        var (host, url) = await PageTests.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Video:MaxBytes"] = "100000" });
        await using var _ = host;
        await PageTests.RegisterAsync(url, "starry", "starry_night.jpg");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await OpenVideoAsync(browser, url);
        var submits = 0;
        page.Request += (_, r) => { if (r.Url.EndsWith("/v1/videos:stylize", StringComparison.Ordinal)) submits++; };
        await Assertions.Expect(page.Locator("#video-limits")).ToContainTextAsync("up to 98 KiB");

        // Over the limit (tubingen.jpg is 397 KiB): refused before it is read or sent.
        await page.Locator("#video-file").SetInputFilesAsync(TestData.Image("tubingen.jpg"));
        await Assertions.Expect(page.Locator("#error")).ToHaveTextAsync(new Regex(@"^video: tubingen\.jpg is 397 KiB, over the 98 KiB this server takes$"));
        await Assertions.Expect(page.Locator("#video-chosen")).ToBeEmptyAsync();
        await page.Locator("#video-stylize").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToHaveTextAsync("video: drop or choose a clip first");

        // Within the limit but a JPEG: the server refuses it (INVALID_ARGUMENT naming video) and the page says so.
        await page.Locator("#video-file").SetInputFilesAsync(TestData.Image("storm.jpg"));
        await Assertions.Expect(page.Locator("#video-chosen")).ToContainTextAsync("storm.jpg");
        await page.Locator("#video-stylize").ClickAsync();
        await Assertions.Expect(page.Locator("#video-status")).ToHaveTextAsync("failed");
        var error = await page.Locator("#error").InnerTextAsync();
        output.WriteLine(error);
        Assert.Matches(@"^video\b", error);
        Assert.Equal(1, submits);
        await Assertions.Expect(page.Locator("#video-stylize")).ToBeEnabledAsync();
        Assert.Equal(0, host.Scheduler.Running);
    }

    [Fact]
    public async Task VideoPage_ServerWithoutFfmpeg_HidesTheSection()
    {
        var (host, url) = await PageTests.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Video:FfmpegPath"] = "/nonexistent/ffmpeg" });
        await using var _ = host;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await PageTests.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(PageTests.Timeout);
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator("#server-info")).ToContainTextAsync("styles");
        Assert.False(await page.EvaluateAsync<bool>("() => state.info.limits.video.available === true"));
        await Assertions.Expect(page.Locator("#video-panel")).ToBeHiddenAsync();
    }
}
