using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>Shows the frames of a Stylize call; returns the completion (null when the stream ended without one).</summary>
internal interface IStylizeReporter
{
    Task<JobCompleted?> RunAsync(IAsyncEnumerable<StylizeUpdate> updates);
}

/// <summary>A live Spectre.Console progress bar: queue position, then iteration/total, losses, elapsed and ETA.</summary>
internal sealed class ProgressBarReporter(IAnsiConsole console, string? outputPath) : IStylizeReporter
{
    public async Task<JobCompleted?> RunAsync(IAsyncEnumerable<StylizeUpdate> updates)
    {
        JobCompleted? completed = null;
        await ProgressBars.Create(console)
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("connecting", maxValue: 1);
                task.IsIndeterminate = true;
                await foreach (var update in updates)
                {
                    switch (update)
                    {
                        case JobAccepted a:
                            task.Description = a.QueuePosition > 0 ? $"queued, position {a.QueuePosition}" : "starting";
                            break;
                        case JobQueued q:
                            task.Description = $"queued, position {q.QueuePosition}";
                            break;
                        case JobStarted s:
                            task.IsIndeterminate = false;
                            task.MaxValue = s.TotalIterations;
                            task.Description = $"{s.Width}x{s.Height} on {s.Network}";
                            break;
                        case JobProgress p:
                            task.Value = p.Iteration;
                            task.Description = Markup.Escape($"iter {p.Iteration}/{p.TotalIterations}{Level(p)}  loss {Format(p.Losses.Total)} (style {Format(p.Losses.Style)}, content {Format(p.Losses.Content)})");
                            break;
                        case VideoCompleted v:
                            task.Value = task.MaxValue;
                            task.Description = Markup.Escape($"done: {VideoText.Result(v)}");
                            task.StopTask();
                            break;
                        case JobCompleted c:
                            task.Value = task.MaxValue;
                            task.Description = Markup.Escape($"done: {c.IterationsRun} iterations, loss {Format(c.FinalLosses.Total)}");
                            task.StopTask();
                            completed = c;
                            break;
                    }
                }
            });
        if (completed is not null)
        {
            console.MarkupLineInterpolated($"{(outputPath is null ? "done" : "wrote")} [bold]{outputPath ?? completed.JobId}[/] ({completed.Image.Width}x{completed.Image.Height}, {completed.Image.Data.Length:N0} bytes) in {completed.TotalTime.TotalSeconds:F1} s");
        }
        return completed;
    }

    /// <summary>" level 2/5 (176 px)" for a coarse-to-fine job, else nothing.</summary>
    internal static string Level(JobProgress p) => p.Levels > 1 ? $" level {p.Level}/{p.Levels} ({p.LevelSide} px)" : "";

    internal static string Format(double value) => value.ToString("0.###e+0", CultureInfo.InvariantCulture);
}

/// <summary>Plain lines for redirected or non-interactive output.</summary>
internal sealed class PlainReporter(IAnsiConsole console, string? outputPath) : IStylizeReporter
{
    public async Task<JobCompleted?> RunAsync(IAsyncEnumerable<StylizeUpdate> updates)
    {
        JobCompleted? completed = null;
        await foreach (var update in updates)
        {
            var line = update switch
            {
                JobAccepted a => $"accepted job {a.JobId}{(a.OperationName.Length > 0 ? $" ({a.OperationName})" : "")}, queue position {a.QueuePosition}",
                JobQueued q => $"queued, position {q.QueuePosition}",
                JobStarted s => $"started {s.Width}x{s.Height} on {s.Network}, {s.TotalIterations} iterations",
                JobProgress p => $"iter {p.Iteration}/{p.TotalIterations}{ProgressBarReporter.Level(p)} loss {ProgressBarReporter.Format(p.Losses.Total)} elapsed {p.Elapsed.TotalSeconds:F1}s eta {p.Eta.TotalSeconds:F1}s",
                VideoCompleted v => $"{(outputPath is null ? "done: job " + v.JobId : "wrote " + outputPath)} ({VideoText.Result(v)})",
                JobCompleted c => $"{(outputPath is null ? "done: job " + c.JobId : "wrote " + outputPath)} ({c.Image.Width}x{c.Image.Height}, {c.Image.Data.Length} bytes) after {c.IterationsRun} iterations in {c.TotalTime.TotalSeconds:F1}s",
                _ => null,
            };
            if (line is not null)
            {
                console.WriteLine(line);
            }
            completed = update as JobCompleted ?? completed;
        }
        return completed;
    }
}

/// <summary>One JSON object per frame (NDJSON) on standard output, for scripts; each with its <c>sequence</c>.</summary>
internal sealed class JsonReporter(TextWriter output, string? outputPath) : IStylizeReporter
{
    public async Task<JobCompleted?> RunAsync(IAsyncEnumerable<StylizeUpdate> updates)
    {
        JobCompleted? completed = null;
        await foreach (var update in updates)
        {
            object? frame = update switch
            {
                JobAccepted a => new { type = "accepted", jobId = a.JobId, queuePosition = a.QueuePosition, operation = a.OperationName },
                JobQueued q => new { type = "queued", queuePosition = q.QueuePosition },
                JobStarted s => new { type = "started", width = s.Width, height = s.Height, totalIterations = s.TotalIterations, queueMs = s.QueueTime.TotalMilliseconds, network = s.Network, estimatedMemoryBytes = s.EstimatedMemoryBytes },
                JobProgress p => new
                {
                    type = "progress",
                    iteration = p.Iteration,
                    totalIterations = p.TotalIterations,
                    losses = p.Losses,
                    elapsedMs = p.Elapsed.TotalMilliseconds,
                    etaMs = p.Eta.TotalMilliseconds,
                    preview = p.Preview is not null,
                    framesCoalesced = p.FramesCoalesced,
                    previewsDropped = p.PreviewsDropped,
                    level = p.Level,
                    levels = p.Levels,
                    levelSide = p.LevelSide,
                },
                VideoCompleted v => new
                {
                    type = "videoCompleted",
                    jobId = v.JobId,
                    output = outputPath,
                    format = VideoText.FormatName(v.Format),
                    bytes = v.VideoSize,
                    frames = v.Frames,
                    width = v.Width,
                    height = v.Height,
                    frameRate = v.FrameRate,
                    audio = v.HasAudio,
                    attempts = v.Attempts,
                },
                JobCompleted c => new
                {
                    type = "completed",
                    jobId = c.JobId,
                    output = outputPath,
                    width = c.Image.Width,
                    height = c.Image.Height,
                    bytes = c.Image.Data.Length,
                    iterations = c.IterationsRun,
                    losses = c.FinalLosses,
                    queueMs = c.QueueTime.TotalMilliseconds,
                    runMs = c.RunTime.TotalMilliseconds,
                    totalMs = c.TotalTime.TotalMilliseconds,
                    reproducibility = c.Reproducibility,
                    framesCoalesced = c.FramesCoalesced,
                    previewsDropped = c.PreviewsDropped,
                },
                _ => null,
            };
            if (frame is not null)
            {
                // Each line carries the frame's sequence: 'stylegrpc jobs watch NAME --after N' goes on from there.
                var line = JsonSerializer.SerializeToNode(frame, JsonOptions)!.AsObject();
                line["sequence"] = update.Sequence;
                await output.WriteLineAsync(line.ToJsonString(JsonOptions));
                await output.FlushAsync();
            }
            completed = update as JobCompleted ?? completed;
        }
        return completed;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
