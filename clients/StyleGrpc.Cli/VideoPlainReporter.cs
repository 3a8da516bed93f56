using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>Plain lines for redirected or non-interactive output: the operation once, then one line per change.</summary>
internal sealed class VideoPlainReporter(IAnsiConsole console) : IVideoReporter
{
    public async Task<VideoCompleted> RunAsync(Func<IProgress<VideoProgress>, Task<VideoCompleted>> run, string outputPath)
    {
        var started = DateTime.UtcNow;
        string? last = null;
        var completed = await run(new InlineProgress<VideoProgress>(p =>
        {
            var line = last is null ? $"submitted {p.OperationName}; {VideoText.Progress(p)}" : VideoText.Progress(p);
            if (line != last)
            {
                console.WriteLine(line);
                last = line;
            }
        }));
        console.WriteLine($"wrote {outputPath} ({VideoText.Result(completed)}) in {(DateTime.UtcNow - started).TotalSeconds:F1}s");
        return completed;
    }
}
