using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>A live progress bar of frames done of the total, with frames per second and the ETA in its description.</summary>
internal sealed class VideoBarReporter(IAnsiConsole console) : IVideoReporter
{
    public async Task<VideoCompleted> RunAsync(Func<IProgress<VideoProgress>, Task<VideoCompleted>> run, string outputPath)
    {
        var started = DateTime.UtcNow;
        var completed = await ProgressBars.Create(console).StartAsync(async ctx =>
        {
            var task = ctx.AddTask("connecting", maxValue: 1);
            task.IsIndeterminate = true;
            var result = await run(new InlineProgress<VideoProgress>(p =>
            {
                if (p.TotalFrames > 0)
                {
                    task.IsIndeterminate = false;
                    task.MaxValue = p.TotalFrames;
                    task.Value = p.FramesDone;
                }
                task.Description = Markup.Escape(VideoText.Progress(p));
            }));
            task.Value = task.MaxValue;
            task.Description = Markup.Escape($"done: {result.Frames} frames");
            task.StopTask();
            return result;
        });
        console.MarkupLineInterpolated($"wrote [bold]{outputPath}[/] ({VideoText.Result(completed)}) in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        return completed;
    }
}
