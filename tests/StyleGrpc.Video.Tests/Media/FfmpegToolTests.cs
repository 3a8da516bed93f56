using System.Diagnostics;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests.Media;

public sealed class FfmpegToolTests : IDisposable
{
    private readonly string folder = TestData.NewTempDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Run_PastTheTimeLimit_KillsFfmpegAndThrows()
    {
        var tool = new FfmpegTool(timeLimit: TimeSpan.FromSeconds(1));
        var output = Path.Combine(folder, $"long-{Guid.NewGuid():N}.mp4");
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<VideoToolTimeoutException>(() => tool.RunFfmpegAsync(
            ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=600", "-c:v", "libx264", "-preset", "medium", "-y", output],
            Clips.Deadline()));

        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 10);
        Assert.Equal(TimeSpan.FromSeconds(1), e.TimeLimit);
        Assert.Equal("ffmpeg", e.Tool);
        Assert.False(Clips.ProcessRunsWith(output), "ffmpeg still runs after its time limit");
    }

    [Fact]
    public async Task Run_Cancelled_KillsFfmpeg()
    {
        var output = Path.Combine(folder, $"cancelled-{Guid.NewGuid():N}.mp4");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Clips.Tool.RunFfmpegAsync(
            ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30:duration=600", "-c:v", "libx264", "-y", output], cancel.Token));

        Assert.False(Clips.ProcessRunsWith(output), "ffmpeg still runs after cancellation");
    }

    [Fact]
    public async Task Run_Failing_CarriesTheEndOfStandardError()
    {
        var e = await Assert.ThrowsAsync<VideoToolException>(
            () => Clips.Tool.RunFfmpegAsync(["-i", Path.Combine(folder, "missing.mp4"), "-f", "null", "-"], Clips.Deadline()));

        Assert.Contains("No such file or directory", e.StandardError, StringComparison.Ordinal);
        Assert.Contains("exited with code", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ArgumentsWithSpacesAndQuotes_AreNotShellQuoted()
    {
        var output = Path.Combine(folder, "a 'quoted' $(name) ; file.mp4");

        await Clips.Tool.RunFfmpegAsync(["-f", "lavfi", "-i", "color=red:size=32x32:duration=0.2", "-c:v", "libx264", "-y", output],
            Clips.Deadline());

        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task Run_MissingTool_SaysWhichPath()
    {
        var tool = new FfmpegTool(ffmpegPath: "/nonexistent/ffmpeg");

        var e = await Assert.ThrowsAsync<VideoToolException>(() => tool.RunFfmpegAsync(["-version"], Clips.Deadline()));

        Assert.Contains("/nonexistent/ffmpeg", e.Message, StringComparison.Ordinal);
    }
}
