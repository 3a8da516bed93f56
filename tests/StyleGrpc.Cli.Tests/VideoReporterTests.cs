using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli.Tests;

/// <summary>The video progress bar on an interactive console, fed reports without a server.</summary>
public sealed class VideoReporterTests
{
    [Fact]
    public async Task VideoBarReporter_FramesReported_ShowsFramesRateAndTheWrittenResult()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            // A live display renders only on an ANSI terminal; its escape codes are taken out below.
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(text),
        });
        var result = new VideoCompleted("job1", new byte[1234], VideoFormat.Mp4, 3, 48, 32, 24, true, StylizeMethod.Optimization, 1,
            new LossValues(0, 0, 0, 0), TimeSpan.Zero, TimeSpan.FromSeconds(2), 1, new Dictionary<string, string>());

        var completed = await new VideoBarReporter(console).RunAsync(progress =>
        {
            progress.Report(new VideoProgress("operations/job1", JobState.Queued, 2, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, null, 1));
            for (var frame = 1; frame <= 3; frame++)
            {
                progress.Report(new VideoProgress("operations/job1", JobState.Running, 0, frame, 3, 1.5, TimeSpan.FromSeconds(frame),
                    TimeSpan.FromSeconds(3 - frame), null, frame + 1));
            }
            return Task.FromResult(result);
        }, "/tmp/out.mp4").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Same(result, completed);
        var plain = System.Text.RegularExpressions.Regex.Replace(text.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "");
        var shown = System.Text.RegularExpressions.Regex.Replace(plain, @"\s+", " ");
        Assert.Contains("done: 3 frames", shown);
        Assert.Contains("wrote /tmp/out.mp4 (3 frames 48x32 at 24 fps, mp4, 1,234 bytes, with audio)", shown);
        Assert.Equal("frame 2/3, 1.5 frames/s, eta 00:00:01", VideoText.Frames(2, 3, 1.5, TimeSpan.FromSeconds(1)));
        Assert.Equal("queued, position 2", VideoText.Progress(new VideoProgress("o", JobState.Queued, 2, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, null, 1)));
    }
}
