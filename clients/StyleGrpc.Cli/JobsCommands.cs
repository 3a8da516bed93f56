using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>stylegrpc jobs list|get|watch|cancel|delete</c>: submitted jobs as long-running operations. NAME is <c>operations/{id}</c>
/// or the bare ID.
/// </summary>
internal static class JobsCommands
{
    public static Command Create(CliContext context)
    {
        var jobs = new Command("jobs", "Follow and manage submitted jobs (stylegrpc stylize --detach)");
        jobs.Subcommands.Add(List(context));
        jobs.Subcommands.Add(Get(context));
        jobs.Subcommands.Add(Watch(context));
        jobs.Subcommands.Add(Cancel(context));
        jobs.Subcommands.Add(Delete(context));
        return jobs;
    }

    private static Argument<string> Name() => new("name") { Description = "The job: operations/ID or the bare ID" };

    private static Option<bool> Json(string description) => new("--json") { Description = description };

    private static Command List(CliContext context)
    {
        var json = Json("Print one JSON object per operation (NDJSON)");
        var command = new Command("list", "List your jobs, newest first (an admin key: everyone's)") { json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var table = new Table().AddColumn(new TableColumn("Name").NoWrap()).AddColumns("State", "Progress", "Attempt", "Created");
            var count = 0;
            await foreach (var operation in client.ListAllOperationsAsync(token))
            {
                count++;
                if (parse.GetValue(json))
                {
                    await context.Output.WriteLineAsync(OperationJson.Serialize(operation));
                    continue;
                }
                var m = operation.Metadata;
                table.AddRow(Markup.Escape(operation.Name), OperationJson.State(m.State), Progress(m), m.Attempt.ToString(CultureInfo.InvariantCulture),
                    m.CreateTime.ToString("u", CultureInfo.InvariantCulture));
            }
            if (!parse.GetValue(json))
            {
                if (count == 0)
                {
                    context.Console.MarkupLine("no jobs");
                }
                else
                {
                    context.Console.Write(table);
                }
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Get(CliContext context)
    {
        var name = Name();
        var json = Json("Print the operation as one JSON object");
        var command = new Command("get", "Show one job: state, progress, attempts, its webhook's delivery, result or error") { name, json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var operation = await client.GetOperationAsync(parse.GetValue(name)!, token);
            if (operation.Kind == JobKind.Video)
            {
                return await ShowVideoAsync(context, await client.GetVideoJobAsync(operation.Name, token), parse.GetValue(json));
            }
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(OperationJson.Serialize(operation));
                return ExitCodes.Ok;
            }
            var m = operation.Metadata;
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string key, string value) => grid.AddRow(new Text(key), new Text(value));
            Row("name", operation.Name);
            Row("state", OperationJson.State(m.State) + (m.QueuePosition > 0 ? $", queue position {m.QueuePosition}" : ""));
            Row("progress", Progress(m) + (m.Levels > 1 ? $", level {m.Level}/{m.Levels}" : "") + (m.Losses is { } l ? $", loss {ProgressBarReporter.Format(l.Total)}" : ""));
            Row("attempt", m.Attempt + (m.ResumedFromIteration > 0 ? $", resumed from iteration {m.ResumedFromIteration}" : "")
                + (m.CheckpointIteration > 0 ? $", checkpoint at iteration {m.CheckpointIteration}" : ""));
            WhereAndWhen(Row, m.Replica, m.CreateTime, m.StartTime, m.EndTime, m.Notification);
            if (operation.Result is { } r)
            {
                Row("result", $"{r.Image.Width}x{r.Image.Height}, {r.Image.Data.Length:N0} bytes, {r.IterationsRun} iterations ('jobs watch {operation.JobId} -o FILE' writes it)");
            }
            if (operation.Error is { } e)
            {
                Row("error", $"{e.StatusCode}: {e.Detail}");
            }
            context.Console.Write(grid);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    // The rows every kind of job shows: the replica running it, its times, its webhook's delivery.
    private static void WhereAndWhen(Action<string, string> row, string replica, DateTimeOffset created, DateTimeOffset? start, DateTimeOffset? end,
        NotificationStatus? notification)
    {
        if (replica.Length > 0)
        {
            row("replica", replica);
        }
        row("created", created.ToString("u", CultureInfo.InvariantCulture));
        if (start is { } started)
        {
            row("started", started.ToString("u", CultureInfo.InvariantCulture));
        }
        if (end is { } ended)
        {
            row("ended", ended.ToString("u", CultureInfo.InvariantCulture));
        }
        if (OperationJson.Describe(notification) is { } webhook)
        {
            row("webhook", webhook);
        }
    }

    // A video job: frames done of the total, rate, ETA, size, attempts, and its result without the bytes.
    private static async Task<int> ShowVideoAsync(CliContext context, VideoJobOperation operation, bool json)
    {
        if (json)
        {
            await context.Output.WriteLineAsync(OperationJson.Serialize(operation));
            return ExitCodes.Ok;
        }
        var m = operation.Metadata;
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string key, string value) => grid.AddRow(new Text(key), new Text(value));
        Row("name", operation.Name);
        Row("kind", "video");
        Row("state", OperationJson.State(m.State) + (m.QueuePosition > 0 ? $", queue position {m.QueuePosition}" : ""));
        Row("progress", VideoText.Frames(m.FramesDone, m.TotalFrames, m.FramesPerSecond, operation.Done ? TimeSpan.Zero : m.Eta)
            + (m.Width > 0 ? $", {m.Width}x{m.Height}" : ""));
        Row("attempt", m.Attempt + (m.ResumedFromFrame > 0 ? $", resumed from frame {m.ResumedFromFrame}" : "")
            + (m.CheckpointFrame > 0 ? $", checkpoint at frame {m.CheckpointFrame}" : ""));
        WhereAndWhen(Row, m.Replica, m.CreateTime, m.StartTime, m.EndTime, m.Notification);
        if (operation.Result is { } r)
        {
            Row("result", $"{VideoText.Result(r)} ('jobs watch {operation.JobId} -o FILE' writes it)");
        }
        if (operation.Error is { } e)
        {
            Row("error", $"{e.StatusCode}: {e.Detail}");
        }
        context.Console.Write(grid);
        return ExitCodes.Ok;
    }

    private static Command Watch(CliContext context)
    {
        var name = Name();
        var after = new Option<long>("--after") { Description = "Skip frames up to this sequence (the last one seen; --json prints each frame's)" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the result here" };
        var previewDir = new Option<DirectoryInfo?>("--preview-dir") { Description = "Write previews here as they arrive" };
        var json = Json("Print one JSON object per frame (NDJSON) instead of a progress bar");
        var command = new Command("watch", "Show a job's progress until it ends (leaving does not cancel it); -o writes the result")
        {
            name, after, output, previewDir, json,
        };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            if (parse.GetValue(after) < 0)
            {
                throw new UsageException("--after: must be 0 or more");
            }
            var outputFile = parse.GetValue(output);
            var video = false;
            var updates = client.WatchStylizeAsync(parse.GetValue(name)!, parse.GetValue(after), token);
            var reporter = StylizeCommand.Reporter(context, parse.GetValue(json), outputFile?.FullName);
            var completed = await reporter.RunAsync(StylizeCommand.WithSideEffects(client, Noting(updates), parse.GetValue(previewDir), outputFile, token));
            return completed is not null || video || parse.GetValue(after) > 0 ? ExitCodes.Ok : ExitCodes.ServerError;

            // A video job ends with its video, not a picture.
            async IAsyncEnumerable<StylizeUpdate> Noting(IAsyncEnumerable<StylizeUpdate> source)
            {
                await foreach (var update in source)
                {
                    video |= update is VideoCompleted;
                    yield return update;
                }
            }
        }, ct));
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var name = Name();
        var command = new Command("cancel", "Cancel a job; it stops within one iteration and ends cancelled") { name };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            await client.CancelOperationAsync(parse.GetValue(name)!, token);
            var operation = await client.GetOperationAsync(parse.GetValue(name)!, token);
            context.Console.MarkupLineInterpolated($"{operation.Name}: {OperationJson.State(operation.Metadata.State)}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var name = Name();
        var command = new Command("delete", "Delete a finished job and its result (a running one: cancel it first)") { name };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            await client.DeleteOperationAsync(parse.GetValue(name)!, token);
            context.Console.MarkupLineInterpolated($"deleted {JobOperation.NameOf(parse.GetValue(name)!)}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string Progress(JobStatus m) => m.TotalIterations > 0 ? $"{m.Iteration}/{m.TotalIterations}" : "-";
}
