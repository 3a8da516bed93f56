using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>stylegrpc styles train ID [--iterations N] [--image-size N] [--batch-size N] [--stability-weight W] [--shifted-loss] [--notify URL] [--detach] [--json]</c>: trains the style's
/// feed-forward network (admin key) and follows the operation with a progress bar, plain lines or NDJSON, until the style is instant.
/// </summary>
internal static class TrainCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static Command Create(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Style ID" };
        var iterations = new Option<int?>("--iterations", "-n") { Description = "Training iterations (batches); default: the server's" };
        var imageSize = new Option<int?>("--image-size") { Description = "Side of the square training crops, in pixels; default: the server's" };
        var batchSize = new Option<int?>("--batch-size") { Description = "Photos per batch; default: the server's" };
        var stability = new Option<double?>("--stability-weight")
        {
            Description = "Weight of the stability term, for a style meant for video (Gupta et al.; 30 is what docs/video.md measured); default off",
        };
        var shifted = new Option<bool>("--shifted-loss")
        {
            Description = "Train the loss on the output at random sub-pixel offsets, so the style survives video's warps (docs/video.md)",
        };
        var notify = new Option<string?>("--notify")
        {
            Description = "POST the operation to this URL once the training ends (a signed webhook; it must start with one of the server's allowed prefixes); default: your default URL on the server, if any",
        };
        var detach = new Option<bool>("--detach") { Description = "Start the training, print its operation name (with --json: the operation) and exit" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per change of the training's state (NDJSON) instead of a progress bar" };
        var command = new Command("train", "Train the style's feed-forward network so 'stylize --fast' answers at once (admin key)")
        {
            id, iterations, imageSize, batchSize, stability, shifted, notify, detach, json,
        };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var operation = await client.TrainStyleNetworkAsync(parse.GetValue(id)!, new TrainStyleNetworkOptions
            {
                Iterations = parse.GetValue(iterations),
                ImageSize = parse.GetValue(imageSize),
                BatchSize = parse.GetValue(batchSize),
                StabilityWeight = parse.GetValue(stability),
                ShiftedLoss = parse.GetValue(shifted),
                NotifyUrl = parse.GetValue(notify),
            }, token);
            if (parse.GetValue(detach))
            {
                await context.Output.WriteLineAsync(parse.GetValue(json) ? Serialize(operation) : operation.Name);
                return ExitCodes.Ok;
            }
            var updates = client.WatchTrainingAsync(operation.Name, cancellationToken: token);
            var done = parse.GetValue(json) ? await JsonAsync(context, updates)
                : context.Console.Profile.Capabilities.Interactive ? await ProgressBarAsync(context.Console, operation.Name, updates)
                : await PlainAsync(context.Console, operation.Name, updates);
            if (done?.Error is { } error)
            {
                throw error;
            }
            if (done?.Style is { FeedForward: { } network } style && !parse.GetValue(json))
            {
                context.Console.MarkupLineInterpolated(
                    $"[bold]{style.Id}[/] is instant: network v{network.Version}, {network.Iterations} iterations, loss {network.FinalLoss:G4}, {network.SizeBytes:N0} bytes");
            }
            return done is null ? ExitCodes.ServerError : ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task<TrainingOperation?> ProgressBarAsync(IAnsiConsole console, string name, IAsyncEnumerable<TrainingOperation> updates)
    {
        TrainingOperation? last = null;
        await ProgressBars.Create(console)
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(name), maxValue: 1);
                task.IsIndeterminate = true;
                await foreach (var update in updates)
                {
                    last = update;
                    var m = update.Metadata;
                    if (m.TotalIterations > 0 && m.State != JobState.Queued)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = m.TotalIterations;
                        task.Value = m.Iteration;
                    }
                    task.Description = Markup.Escape(Describe(update));
                    if (update.Done)
                    {
                        task.StopTask();
                    }
                }
            });
        return last;
    }

    private static async Task<TrainingOperation?> PlainAsync(IAnsiConsole console, string name, IAsyncEnumerable<TrainingOperation> updates)
    {
        TrainingOperation? last = null;
        console.WriteLine($"training {name}");
        await foreach (var update in updates)
        {
            last = update;
            console.WriteLine(Describe(update));
        }
        return last;
    }

    private static async Task<TrainingOperation?> JsonAsync(CliContext context, IAsyncEnumerable<TrainingOperation> updates)
    {
        TrainingOperation? last = null;
        await foreach (var update in updates)
        {
            last = update;
            await context.Output.WriteLineAsync(Serialize(update));
            await context.Output.FlushAsync();
        }
        return last;
    }

    // "queued, position 2", "iter 40/200 loss 1.2e+5 eta 31s", "done: network v3", "failed: …".
    private static string Describe(TrainingOperation update)
    {
        var m = update.Metadata;
        return m.State switch
        {
            JobState.Queued => m.QueuePosition > 0 ? $"queued, position {m.QueuePosition}" : "queued",
            JobState.Running when m.Iteration == 0 => m.Attempt > 1 ? $"resuming (attempt {m.Attempt}) from iteration {m.ResumedFromIteration}" : "starting",
            JobState.Running => $"iter {m.Iteration}/{m.TotalIterations} loss {ProgressBarReporter.Format(m.Losses?.Total ?? 0)} eta {m.Eta.TotalSeconds:F0}s"
                + (m.Attempt > 1 ? $" (attempt {m.Attempt})" : ""),
            JobState.Succeeded => $"done: {m.Iteration} iterations" + (update.Style?.FeedForward is { } n ? $", network v{n.Version}" : ""),
            _ => $"{OperationJson.State(m.State)}: {update.Error?.Detail}",
        };
    }

    /// <summary>A training operation as one JSON object (camelCase), for <c>--json</c>.</summary>
    internal static string Serialize(TrainingOperation operation)
    {
        var m = operation.Metadata;
        return JsonSerializer.Serialize(new
        {
            name = operation.Name,
            jobId = m.JobId,
            style = m.StyleId,
            done = operation.Done,
            state = OperationJson.State(m.State),
            queuePosition = m.QueuePosition,
            iteration = m.Iteration,
            totalIterations = m.TotalIterations,
            losses = m.Losses,
            elapsedMs = m.Elapsed.TotalMilliseconds,
            etaMs = m.Eta.TotalMilliseconds,
            attempt = m.Attempt,
            resumedFromIteration = m.ResumedFromIteration,
            checkpointIteration = m.CheckpointIteration,
            notification = OperationJson.Notification(m.Notification),
            error = operation.Error is { } e ? new { code = e.StatusCode.ToString(), message = e.Detail } : null,
            network = operation.Style?.FeedForward is { } n ? new
            {
                state = n.State.ToString().ToLowerInvariant(),
                version = n.Version,
                iterations = n.Iterations,
                finalLoss = n.FinalLoss,
                sizeBytes = n.SizeBytes,
                imageSize = n.ImageSize,
            } : null,
        }, JsonOptions);
    }
}
