using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>stylize</c>'s folder form: every photo becomes its own operation whose request ID (AIP-155) is made from the request
/// (<see cref="StylizeRequestId"/>: the photo's bytes, the style, the options), so running the same command again answers the
/// operations already made instead of starting them again: a done one's result is fetched, a running one watched, a failed or
/// cancelled one deleted and submitted again. Results already written are kept (unless <c>--overwrite</c>) and ask nothing of
/// the server. All photos are submitted first (the server queues them) and up to <c>--parallel</c> are watched at once; a
/// photo's failure is its row's, the rest go on, and the exit code is <see cref="ExitCodes.PhotosFailed"/>.
/// </summary>
internal static class FolderStylize
{
    public static async Task<int> RunAsync(CliContext context, IStyleGrpcClient client, FolderRun run, CancellationToken cancellationToken)
    {
        var extension = StylizeCommand.Extension(run.Options.Format);
        var photos = run.Photos.Select(p => new PhotoJob(p, run.OutputDirectory is { } dir ? Path.Combine(dir, $"{p.OutputStem}.{extension}") : null)).ToList();
        IFolderReporter reporter = run.Detach ? new FolderPlainReporter(_ => { })
            : run.Json ? new FolderPlainReporter(context.Error.WriteLine)
            : context.Console.Profile.Capabilities.Interactive ? new FolderProgressReporter(context.Console)
            : new FolderPlainReporter(context.Console.WriteLine);
        try
        {
            await reporter.RunAsync(photos, () => RunAllAsync(client, run, photos, reporter, cancellationToken));
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is StyleGrpcException { StatusCode: Grpc.Core.StatusCode.Cancelled } && cancellationToken.IsCancellationRequested)
        {
            var left = photos.Count(p => p.Operation is not null && !p.Ended);
            await context.Error.WriteLineAsync($"error: cancelled; {left} job(s) go on on the server: run the same command again to pick them up");
            return ExitCodes.Cancelled;
        }
        await ReportAsync(context, run, photos, reporter.ShowsTotal);
        return photos.Any(p => p.State == PhotoState.Failed) ? ExitCodes.PhotosFailed : ExitCodes.Ok;
    }

    /// <summary>"3 photos: 2 written, 1 kept, 0 failed" (with --detach: submitted).</summary>
    public static string Summary(IReadOnlyList<PhotoJob> photos)
    {
        int Count(PhotoState state) => photos.Count(p => p.State == state);
        var submitted = Count(PhotoState.Submitted);
        return $"{photos.Count(p => p.Ended)}/{photos.Count} photos: {(submitted > 0 ? $"{submitted} submitted, " : "")}"
            + $"{Count(PhotoState.Written)} written, {Count(PhotoState.Kept)} kept, {Count(PhotoState.Failed)} failed";
    }

    private static async Task RunAllAsync(IStyleGrpcClient client, FolderRun run, List<PhotoJob> photos, IFolderReporter reporter,
        CancellationToken cancellationToken)
    {
        foreach (var photo in photos.Where(p => p.OutputPath is not null && File.Exists(p.OutputPath) && !run.Overwrite))
        {
            photo.State = PhotoState.Kept;
            reporter.Show(photo);
        }
        // Submit them all, so the server queues them, until it is full: those left are submitted as watched ones end.
        var pending = photos.Where(p => !p.Ended).ToList();
        foreach (var photo in pending)
        {
            if (!await SubmitAsync(client, run, photo, reporter, busyIsFailure: run.Detach, cancellationToken))
            {
                break;
            }
        }
        if (run.Detach)
        {
            foreach (var photo in pending.Where(p => !p.Ended))
            {
                (photo.State, photo.Detail) = (PhotoState.Failed, "not submitted: the server is busy; run the same command again later");
            }
            return;
        }
        await Parallel.ForEachAsync(pending.Where(p => !p.Ended), new ParallelOptions { MaxDegreeOfParallelism = run.Parallel, CancellationToken = cancellationToken },
            async (photo, token) =>
            {
                try
                {
                    if (photo.Operation is not null || await SubmitAsync(client, run, photo, reporter, busyIsFailure: true, token))
                    {
                        await FinishAsync(client, photo, reporter, token);
                    }
                }
                catch (StyleGrpcException ex) when (!token.IsCancellationRequested)
                {
                    // Once photos are running, whatever befalls one (the server lost for longer than a re-attach waits) is its row's.
                    Fail(photo, ex.Detail, reporter);
                }
            });
    }

    // Submits the photo with its request ID; false when the server is full (and that is not to be the photo's failure). Refusals of
    // the photo itself (a bad image) and unreadable files are the photo's; any other refusal (no such style, a bad key) is everyone's.
    private static async Task<bool> SubmitAsync(IStyleGrpcClient client, FolderRun run, PhotoJob photo, IFolderReporter reporter, bool busyIsFailure,
        CancellationToken cancellationToken)
    {
        try
        {
            var content = await File.ReadAllBytesAsync(photo.Input.Path, cancellationToken);
            photo.RequestId = StylizeRequestId.For(content, run.Style, run.Options);
            var options = run.Options with { RequestId = photo.RequestId };
            var operation = await client.SubmitStylizeAsync(content, run.Style, options, cancellationToken);
            if (operation is { Done: true, Error: not null })
            {
                // An earlier run's job for this request failed or was cancelled: deleting it frees the request ID for another try.
                await client.DeleteOperationAsync(operation.Name, cancellationToken);
                operation = await client.SubmitStylizeAsync(content, run.Style, options, cancellationToken);
            }
            photo.Operation = operation.Name;
            photo.State = run.Detach ? PhotoState.Submitted : PhotoState.Waiting;
            if (operation.Result is { } result && !run.Detach)
            {
                // Done before: its result came with the answer.
                await WriteAsync(photo, result, cancellationToken);
            }
            reporter.Show(photo);
            return true;
        }
        catch (StyleGrpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted && !busyIsFailure)
        {
            return false;
        }
        catch (StyleGrpcException ex) when (ExitCodes.For(ex) is ExitCodes.InvalidArgument || ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
        {
            Fail(photo, ex.Detail, reporter);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(photo, ex.Message, reporter);
            return true;
        }
    }

    // Watches the photo's job from its first frame (a rerun's job may be queued, running or done) and writes its result.
    private static async Task FinishAsync(IStyleGrpcClient client, PhotoJob photo, IFolderReporter reporter, CancellationToken cancellationToken)
    {
        if (photo.Ended)
        {
            return;
        }
        await foreach (var update in client.WatchStylizeAsync(photo.Operation!, 0, cancellationToken))
        {
            switch (update)
            {
                case JobAccepted { QueuePosition: > 0 } a:
                    (photo.State, photo.QueuePosition) = (PhotoState.Queued, a.QueuePosition);
                    break;
                case JobQueued q:
                    (photo.State, photo.QueuePosition) = (PhotoState.Queued, q.QueuePosition);
                    break;
                case JobStarted s:
                    (photo.State, photo.Iteration, photo.TotalIterations) = (PhotoState.Running, 0, s.TotalIterations);
                    break;
                case JobProgress p:
                    (photo.State, photo.Iteration, photo.TotalIterations) = (PhotoState.Running, p.Iteration, p.TotalIterations);
                    break;
                case JobCompleted c:
                    try
                    {
                        await WriteAsync(photo, c, cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        Fail(photo, ex.Message, reporter);
                    }
                    break;
            }
            reporter.Show(photo);
        }
        if (!photo.Ended)
        {
            Fail(photo, "the server ended the watch without a result", reporter);
        }
    }

    private static async Task WriteAsync(PhotoJob photo, JobCompleted completed, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(photo.OutputPath!))!);
        await File.WriteAllBytesAsync(photo.OutputPath!, completed.Image.Data, cancellationToken);
        photo.Iteration = completed.IterationsRun;
        photo.TotalIterations = Math.Max(photo.TotalIterations, completed.IterationsRun);
        (photo.State, photo.Detail) = (PhotoState.Written, $"{completed.Image.Width}x{completed.Image.Height}");
    }

    private static void Fail(PhotoJob photo, string detail, IFolderReporter reporter)
    {
        (photo.State, photo.Detail) = (PhotoState.Failed, detail);
        reporter.Show(photo);
    }

    // --json: one array, a photo each (the operation scripts follow with 'stylegrpc jobs'); --detach: "NAME<tab>FILE" lines. Each
    // failure on stderr; the total with the rows, or on stderr when standard output is data.
    private static async Task ReportAsync(CliContext context, FolderRun run, List<PhotoJob> photos, bool totalShown)
    {
        if (run.Json)
        {
            await CliJson.WriteAsync(context, photos.Select(p => new
            {
                file = p.Input.Path,
                operation = p.Operation,
                requestId = p.RequestId,
                output = p.OutputPath,
                status = p.State.ToString().ToLowerInvariant(),
                error = p.State == PhotoState.Failed ? p.Detail : null,
            }));
        }
        else if (run.Detach)
        {
            foreach (var photo in photos.Where(p => p.State == PhotoState.Submitted))
            {
                await context.Output.WriteLineAsync($"{photo.Operation}\t{photo.Input.Display}");
            }
        }
        foreach (var photo in photos.Where(p => p.State == PhotoState.Failed))
        {
            await context.Error.WriteLineAsync($"error: {photo.Input.Display}: {photo.Detail}");
        }
        if (run.Json || run.Detach)
        {
            await context.Error.WriteLineAsync(Summary(photos));
        }
        else if (!totalShown)
        {
            context.Console.WriteLine(Summary(photos));
        }
    }
}
