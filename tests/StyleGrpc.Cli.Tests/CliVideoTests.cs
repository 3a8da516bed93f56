using System.Text.Json;
using System.Text.RegularExpressions;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Cli.Tests;

/// <summary>
/// <c>stylegrpc stylize-video</c> in-process against the shared server (with "starry"): a few frames of the committed pan clip
/// written and probed with ffprobe, <c>--json</c> lines, <c>--detach</c> then <c>jobs get</c>/<c>jobs watch</c>, and a picture given
/// as the video.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CliVideoTests(CliServer server) : IClassFixture<CliServer>
{
    private static readonly string[] Small = ["--style", "starry", "--max-side", "48", "--iterations", "2", "--first", "2"];

    private static Task<VideoInfo> ProbeAsync(string path) => new VideoProbe(new FfmpegTool()).ProbeAsync(path, CancellationToken.None);

    private static List<JsonElement> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task StylizeVideo_ThreeFrames_WritesTheMp4_AndRefusesToOverwriteItWithoutOverwrite()
    {
        var output = Path.Combine(TestData.NewTempDirectory(), "out.mp4");

        var run = await CliRunner.RunAsync(server.Host.Address, ["stylize-video", TestData.Video("pan.mp4"), .. Small, "--count", "3", "-o", output]);
        var written = await File.ReadAllBytesAsync(output);
        var again = await CliRunner.RunAsync(server.Host.Address, ["stylize-video", TestData.Video("pan.mp4"), .. Small, "--count", "3", "-o", output]);

        Assert.Equal(0, run.ExitCode);
        var probed = await ProbeAsync(output);
        Assert.Equal((48, 32, 3L, "h264"), (probed.Width, probed.Height, probed.FrameCount, probed.VideoCodec));
        // The console wraps long lines (at 80 columns): read it as one line.
        var console = Regex.Replace(run.Console, @"\s+", " ");
        Assert.Contains("submitted operations/", console);
        Assert.Contains("frame 3/3", console);
        Assert.Contains("wrote ", console);
        Assert.Contains("(3 frames 48x32 at 24 fps, mp4", console);
        Assert.Equal(ExitCodes.Usage, again.ExitCode);
        Assert.Contains("--overwrite", again.Error);
        Assert.Equal(written, await File.ReadAllBytesAsync(output));
    }

    // --upload (automatic above 4 MiB): the file goes in pieces first, the job names it.
    [Fact]
    public async Task StylizeVideo_Upload_SendsTheFileInPiecesFirst_AndWritesTheVideo()
    {
        var output = Path.Combine(TestData.NewTempDirectory(), "uploaded.mp4");
        var uploads = Path.Combine(server.Host.DataDirectory, "data", "uploads");
        var before = Directory.Exists(uploads) ? Directory.GetDirectories(uploads).Length : 0;

        var run = await CliRunner.RunAsync(server.Host.Address, ["stylize-video", TestData.Video("pan.mp4"), .. Small, "--count", "2", "--upload", "-o", output]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(before + 1, Directory.GetDirectories(uploads).Length);
        var probed = await ProbeAsync(output);
        Assert.Equal((48, 32, 2L), (probed.Width, probed.Height, probed.FrameCount));
    }

    [Fact]
    public async Task StylizeVideo_Json_PrintsProgressPerFrameAndTheResult_WrittenBesideTheInputByDefault()
    {
        var dir = TestData.NewTempDirectory();
        var input = Path.Combine(dir, "pan.mp4");
        File.Copy(TestData.Video("pan.mp4"), input);

        var run = await CliRunner.RunAsync(server.Host.Address, ["stylize-video", input, .. Small, "--count", "2", "--json"]);

        Assert.Equal(0, run.ExitCode);
        var lines = Lines(run.Output);
        var progress = lines.Where(l => l.GetProperty("type").GetString() == "progress").ToList();
        Assert.StartsWith("operations/", progress[0].GetProperty("operation").GetString());
        Assert.Equal([1, 2], progress.Where(p => p.GetProperty("preview").GetBoolean()).Select(p => p.GetProperty("framesDone").GetInt32()));
        Assert.All(progress.Where(p => p.GetProperty("preview").GetBoolean()), p => Assert.Equal(2, p.GetProperty("totalFrames").GetInt32()));
        var completed = lines[^1];
        Assert.Equal("completed", completed.GetProperty("type").GetString());
        Assert.Equal(Path.Combine(dir, "pan-styled.mp4"), completed.GetProperty("output").GetString());
        Assert.Equal((2, 48, 32, "mp4"), (completed.GetProperty("frames").GetInt32(), completed.GetProperty("width").GetInt32(),
            completed.GetProperty("height").GetInt32(), completed.GetProperty("format").GetString()));
        Assert.Equal(2L, (await ProbeAsync(Path.Combine(dir, "pan-styled.mp4"))).FrameCount);
    }

    [Fact]
    public async Task StylizeVideo_Detach_PrintsTheOperation_JobsGetShowsItsFrames_JobsWatchWritesTheVideo()
    {
        var host = server.Host;
        var dir = TestData.NewTempDirectory();

        var detached = await CliRunner.RunAsync(host.Address, ["stylize-video", TestData.Video("pan.mp4"), .. Small, "--count", "2", "--format", "webm", "--detach"]);
        var name = detached.Output.Trim();
        JsonElement job;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        do
        {
            await Task.Delay(200);
            job = JsonDocument.Parse((await CliRunner.RunAsync(host.Address, "jobs", "get", name, "--json")).Output).RootElement;
        }
        while (!job.GetProperty("done").GetBoolean() && DateTime.UtcNow < deadline);
        var shown = await CliRunner.RunAsync(host.Address, "jobs", "get", name);
        var output = Path.Combine(dir, "watched.webm");
        var watched = await CliRunner.RunAsync(host.Address, "jobs", "watch", name, "-o", output);
        var deleted = await CliRunner.RunAsync(host.Address, "jobs", "delete", name);

        Assert.Equal(0, detached.ExitCode);
        Assert.StartsWith("operations/", name);
        Assert.Equal(("video", "succeeded", 2, 2), (job.GetProperty("kind").GetString(), job.GetProperty("state").GetString(),
            job.GetProperty("framesDone").GetInt32(), job.GetProperty("totalFrames").GetInt32()));
        Assert.Equal(("webm", 2), (job.GetProperty("result").GetProperty("format").GetString(), job.GetProperty("result").GetProperty("frames").GetInt32()));
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("video", shown.Console);
        Assert.Contains("frame 2/2", shown.Console);
        Assert.Contains("2 frames 48x32 at 24 fps, webm", Regex.Replace(shown.Console, @"\s+", " "));
        Assert.Equal(0, watched.ExitCode);
        Assert.Equal((48, 32, "vp9"), await ProbeAsync(output) is var p ? (p.Width, p.Height, p.VideoCodec) : default);
        Assert.Equal(0, deleted.ExitCode);
    }

    [Fact]
    public async Task StylizeVideo_AJpegAsTheVideo_ExitsInvalidArgumentNamingVideo_AndInfoShowsTheLimits()
    {
        var output = Path.Combine(TestData.NewTempDirectory(), "out.mp4");

        var run = await CliRunner.RunAsync(server.Host.Address, ["stylize-video", TestData.Image("tubingen.jpg"), .. Small, "-o", output]);
        var info = await CliRunner.RunAsync(server.Host.Address, "info");

        Assert.Equal(ExitCodes.InvalidArgument, run.ExitCode);
        Assert.Contains("video", run.Error);
        Assert.False(File.Exists(output));
        // What it may send instead: 'info' shows the server's video limits.
        Assert.Contains("stylegrpc stylize-video", Regex.Replace(info.Console, @"\s+", " "));
    }
}
