using System.Runtime.ExceptionServices;
using System.Runtime.CompilerServices;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Jobs.Events;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Observability;
using ImageFormat = StyleGrpc.Engine.Imaging.ImageFormat;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Jobs (Stylize runs and feed-forward trainings) as long-running operations (AIP-151): submitted once, stored durably, and then got, listed, waited for,
/// watched, cancelled or deleted by name from this replica whether it runs them or not. Scoped to the key that made them.
/// </summary>
public sealed class JobOperations(JobRunner runner, JobJournal journal, IJobFrames contract, RemoteJobFeeds feeds, IJobQueue queue, Access.CallerQuotas quotas, IJobStore store,
    IStyleStore styles, FeedForwardNetworks networks, MemoryBudget memory, JobScheduler scheduler, ModelHost model, ServerMetrics metrics,
    IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<JobOperations> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RemoteCancelWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The one way in for a job, in process and on the fleet: admission is decided here, once, and answered to the caller
    /// (the server is not stopping, the caller's rate, whether the job could ever fit a replica's memory budget, the queue's
    /// capacity, and the caller's jobs at once, counted by the store in the step that stores the job). The job is stored
    /// (with its Accepted frame) before it is queued and before the answer, so an answered submission is never lost; a
    /// <see cref="JobWorker"/> with a free slot runs it.
    /// </summary>
    /// <param name="spec">The checked request.</param>
    /// <param name="caller">Who asks: the API key's ID, or <c>anonymous</c>.</param>
    /// <param name="request">The caller's request ID and the request's fingerprint (AIP-155); null without one.</param>
    /// <param name="notificationUrl">Where to POST the operation when it ends (checked by the caller); null = nowhere.</param>
    /// <param name="cancellationToken">Cancels the submission, not the job.</param>
    /// <param name="identity">The new job's identity when the caller needs its name first (a training); null = a fresh one.</param>
    /// <returns>The job's ID: the earlier job's when the request ID was used for this request before.</returns>
    public async Task<string> SubmitAsync(JobSpec spec, string caller, JobRequest? request, string? notificationUrl, CancellationToken cancellationToken,
        JobIdentity? identity = null)
    {
        if (await EarlierAsync(caller, request, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            // A retry: the first submission's operation, and nothing new (nothing counted, nothing started).
            return earlier;
        }
        long waiting;
        try
        {
            if (scheduler.IsStopping)
            {
                throw new ServerStoppingException();
            }
            if (spec.Kind == JobKind.Stylize)
            {
                quotas.CountStylize(caller);
            }
            memory.Require(spec, model.Engine);
            waiting = await queue.WaitingAsync().ConfigureAwait(false);
            // The capacity counts jobs that wait: one that starts here at once takes no place in the queue.
            if (waiting >= options.Value.QueueCapacity && !(waiting == 0 && scheduler.WouldStartNow(spec.EstimatedBytes)))
            {
                throw new QueueFullException(options.Value.QueueCapacity);
            }
        }
        catch (Exception ex)
        {
            metrics.JobRefused(RefusalLabel(ex));
            throw;
        }
        identity ??= JobIdentity.New(time.GetUtcNow());
        // What the Accepted frame says: 0 when nobody waits and it would start here at once, else the most its place can be.
        var position = waiting == 0 && scheduler.WouldStartNow(spec.EstimatedBytes) ? 0 : (int)waiting + 1;
        var record = new JobRecord
        {
            Id = identity.Id,
            Kind = spec.Kind,
            StyleId = (spec as TrainingJobSpec)?.StyleId,
            Caller = caller,
            CreateTime = identity.CreateTime,
            TotalIterations = spec.TotalIterations,
            Levels = (spec as StylizeJobSpec)?.Plan.Levels.Count ?? 1,
            Width = (spec as VideoJobSpec)?.Decode.Size.Width ?? 0,
            Height = (spec as VideoJobSpec)?.Decode.Size.Height ?? 0,
            QueuePosition = position,
            AcceptedPosition = position,
            // Sequence 1 is its Accepted frame, made from the record when a watch starts (nothing is stored for it).
            LastSequence = spec.FrameImages is null ? 0 : 1,
            RequestId = request?.Id,
            RequestFingerprint = request?.Fingerprint,
            Notification = notificationUrl is null ? null : new JobNotification { Url = notificationUrl },
        };
        switch (await store.CreateAsync(record, spec, options.Value.MaxJobsPerKey, RequestRetention, cancellationToken).ConfigureAwait(false))
        {
            case JobCreation.CallerAtCap:
                metrics.JobRefused("refused_quota");
                throw new Access.QuotaExceededException(
                    $"this caller already has {options.Value.MaxJobsPerKey} jobs queued or running (StyleGrpc:MaxJobsPerKey); retry when one ends", null,
                    "StyleGrpc:MaxJobsPerKey", caller);
            case JobCreation.RequestTaken:
                // The same request ID won a race with this one: its job is the answer.
                return await EarlierAsync(caller, request, cancellationToken).ConfigureAwait(false)
                    ?? throw new PreconditionFailedException("request_id", "a submission with this request_id is being stored; retry");
        }
        await queue.EnqueueAsync(spec.Network, identity.Id, caller).ConfigureAwait(false);
        return identity.Id;
    }

    /// <summary>
    /// Stylize's submission: <see cref="SubmitAsync"/>, and a reader that gets every event of the job from its first when this
    /// process takes it (null when the request ID named an earlier job). Hand both to <see cref="WatchAsync"/>.
    /// </summary>
    public async Task<(string Id, JobEventBuffer? Reader)> SubmitToWatchAsync(JobSpec spec, string caller, JobRequest? request, string? notificationUrl,
        CancellationToken cancellationToken)
    {
        var identity = JobIdentity.New(time.GetUtcNow());
        var reader = runner.Expect(identity.Id);
        string id;
        try
        {
            id = await SubmitAsync(spec, caller, request, notificationUrl, cancellationToken, identity).ConfigureAwait(false);
        }
        catch
        {
            runner.Forget(identity.Id, reader);
            throw;
        }
        if (id == identity.Id)
        {
            return (id, reader);
        }
        // A retry of an earlier submission: that job's frames are read like any watch's.
        runner.Forget(identity.Id, reader);
        return (id, null);
    }

    /// <summary>How long a request ID is remembered (AIP-155): as long as an ended operation is kept.</summary>
    private TimeSpan RequestRetention => TimeSpan.FromHours(options.Value.ResultRetentionHours);

    /// <summary>
    /// The caller's job made by an earlier submission with <paramref name="request"/>'s ID, within the retention time; null
    /// when there is none. The same ID for a different request is INVALID_ARGUMENT naming <c>request_id</c>.
    /// </summary>
    public async Task<string?> EarlierAsync(string caller, JobRequest? request, CancellationToken cancellationToken)
    {
        if (request is null || await store.FindRequestAsync(caller, request.Id, cancellationToken).ConfigureAwait(false) is not { } earlier
            || earlier.CreateTime + RequestRetention <= time.GetUtcNow())
        {
            return null;
        }
        if (earlier.RequestFingerprint != request.Fingerprint)
        {
            throw new RequestFieldException("request_id",
                $"was sent before with a different request ({OperationNames.Of(earlier.Id)}); make a new request_id for a new request");
        }
        return earlier.Id;
    }

    // The outcome label of stylegrpc_jobs_total for a refused submission.
    private static string RefusalLabel(Exception ex) => ex switch
    {
        Access.QuotaExceededException => "refused_quota",
        MemoryBudgetExceededException => "refused_memory",
        QueueFullException => "refused_queue_full",
        ServerStoppingException => "refused_stopping",
        _ => "failed",
    };

    public async Task<OperationView> GetAsync(string name, OperationCaller caller, CancellationToken cancellationToken)
    {
        return await ViewAsync(await RecordAsync(name, caller, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The operation of a stored record: with its result (a Stylize job's) or the trained style once it has succeeded.</summary>
    public async Task<OperationView> ViewAsync(JobRecord record, CancellationToken cancellationToken)
    {
        if (record.State != JobState.Succeeded)
        {
            return new OperationView(record, null);
        }
        if (record.Kind == JobKind.Training)
        {
            return new OperationView(record, null, await styles.GetAsync(record.StyleId ?? "", cancellationToken).ConfigureAwait(false));
        }
        var last = await store.ReadLastFrameAsync(record.Id, cancellationToken).ConfigureAwait(false);
        return new OperationView(record, last?.Result) { Video = last?.VideoResult };
    }

    /// <summary>
    /// The finished video of a video job the caller can see, in chunks (<see cref="Videos.VideoResultChunks"/>).
    /// <see cref="PreconditionFailedException"/> when it is not a video job or has not succeeded.
    /// </summary>
    public async IAsyncEnumerable<VideoChunk> ReadVideoResultAsync(string name, OperationCaller caller,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var record = await RecordAsync(name, caller, cancellationToken).ConfigureAwait(false);
        if (record.Kind != JobKind.Video)
        {
            throw new PreconditionFailedException("name", $"operation '{name}' is not a video job (SubmitStylizeVideo)");
        }
        if (record.State != JobState.Succeeded)
        {
            throw new PreconditionFailedException("name", $"operation '{name}' has no video: it is {record.State.ToString().ToUpperInvariant()}");
        }
        var result = (await store.ReadLastFrameAsync(record.Id, cancellationToken).ConfigureAwait(false))?.VideoResult
            ?? throw new InvalidDataException($"the result of operation '{name}' is not in the job store");
        await foreach (var chunk in Videos.VideoResultChunks.ReadAsync(store, record.Id, result, cancellationToken).ConfigureAwait(false))
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// A page of the caller's operations (all, for a caller that sees all), newest first, after the operation
    /// <paramref name="afterId"/>; results are not included. Null when <paramref name="afterId"/> is not one of them.
    /// </summary>
    public async Task<JobPage?> ListAsync(OperationCaller caller, string? afterId, int pageSize, CancellationToken cancellationToken)
    {
        var page = await store.ListPageAsync(caller.SeesAll ? null : caller.Id, afterId, pageSize, cancellationToken).ConfigureAwait(false);
        return page is null ? null : page with { Records = [.. page.Records.Select(r => journal.Current(r.Id) ?? r)] };
    }

    /// <summary>
    /// Stops the job within one iteration, for <paramref name="reason"/> (CancelOperation's by default: it ends CANCELLED); an
    /// ended operation is left as it is.
    /// </summary>
    public async Task CancelAsync(string name, OperationCaller caller, CancellationToken cancellationToken, JobStopReason reason = JobStopReason.Cancelled)
    {
        var record = await RecordAsync(name, caller, cancellationToken).ConfigureAwait(false);
        if (runner.Find(record.Id) is { } job)
        {
            job.Stop(reason);
            if (journal.Ending(record.Id) is { } ending)
            {
                await ending.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        if (record.Done)
        {
            return;
        }
        if (record.State == JobState.Running)
        {
            // Another replica runs it: it stops the job within one iteration and writes the end. When nobody does (its
            // replica is gone and no other has claimed it yet), the end is written here.
            await queue.PublishCancelAsync(record.Id, reason).ConfigureAwait(false);
            // Its end is read from this replica's one feed of the job (shared with its watchers), not polled here.
            var feed = feeds.Join(record, record.LastSequence);
            try
            {
                var deadline = Task.Delay(RemoteCancelWait, time, cancellationToken);
                while (true)
                {
                    var (_, latest, _, changed) = feed.Snapshot(long.MaxValue);
                    if (latest.Done)
                    {
                        return;
                    }
                    record = latest;
                    if (await Task.WhenAny(changed, deadline).ConfigureAwait(false) == deadline)
                    {
                        break;
                    }
                }
            }
            finally
            {
                feeds.Leave(feed);
            }
            cancellationToken.ThrowIfCancellationRequested();
        }
        // Stored but not running (queued, or waiting to be resumed): it ends now, and a training's style stops saying TRAINING.
        var message = JobStopReasons.Message(reason, options.Value);
        var now = time.GetUtcNow();
        if (await store.SaveAsync(record with
        {
            State = reason is JobStopReason.Cancelled or JobStopReason.Caller ? JobState.Cancelled : JobState.Failed,
            ErrorCode = (int)JobStopReasons.Status(reason),
            ErrorMessage = message,
            EndTime = now,
            QueuePosition = 0,
        }, cancellationToken).ConfigureAwait(false))
        {
            metrics.JobEnded(JobStopReasons.Label(reason), record.Iteration, now - record.CreateTime, TimeSpan.Zero);
        }
        if (record is { Kind: JobKind.Training, StyleId: { } styleId })
        {
            await networks.MarkEndedAsync(styleId, OperationNames.Of(record.Id), message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes an ended operation with its result and frames (it does not cancel: a running one is refused).</summary>
    public async Task DeleteAsync(string name, OperationCaller caller, CancellationToken cancellationToken)
    {
        var record = await RecordAsync(name, caller, cancellationToken).ConfigureAwait(false);
        if (!record.Done)
        {
            throw new OperationNotDoneException(name);
        }
        await store.DeleteAsync(record.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The operation once it has ended or <paramref name="timeout"/> has passed, whichever comes first.</summary>
    public async Task<OperationView> WaitAsync(string name, OperationCaller caller, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var record = await RecordAsync(name, caller, cancellationToken).ConfigureAwait(false);
                if (record.Done)
                {
                    break;
                }
                if (journal.Ending(record.Id) is { } ending)
                {
                    await ending.WaitAsync(limit.Token).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(PollInterval, time, limit.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The wait's own timeout: answer with the operation as it is.
        }
        return await GetAsync(name, caller, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The job's frames after <paramref name="afterSequence"/>: those stored of earlier attempts, then (while this process runs
    /// the job) its kept and live frames, else the stored ones as they are written, until the result. Throws the job's error
    /// at the end of a failed or cancelled job. Ending the enumeration never cancels the job.
    /// </summary>
    public async IAsyncEnumerable<StylizeResponse> WatchAsync(string name, long afterSequence, OperationCaller caller,
        [EnumeratorCancellation] CancellationToken cancellationToken, JobEventBuffer? expected = null)
    {
        try
        {
            await foreach (var frame in FramesAsync(name, afterSequence, caller, expected, cancellationToken).ConfigureAwait(false))
            {
                yield return frame;
            }
        }
        finally
        {
            // Not taken yet: nobody will fill it; taken: the job stops filling it.
            if (expected is not null && OperationNames.JobId(name) is { } id && !runner.Forget(id, expected))
            {
                runner.Find(id)?.Unsubscribe(expected);
            }
        }
    }

    private async IAsyncEnumerable<StylizeResponse> FramesAsync(string name, long afterSequence, OperationCaller caller, JobEventBuffer? expected,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var record = await RecordAsync(name, caller, cancellationToken).ConfigureAwait(false);
        if (record.Kind == JobKind.Training)
        {
            throw new PreconditionFailedException("name", $"{name} trains a style's network and has no frames; follow it with GetOperation or WaitOperation");
        }
        var sent = afterSequence;
        if (sent < 1)
        {
            // Every watch starts with the job's Accepted frame, sequence 1, made from its record.
            sent = 1;
            yield return contract.ToFrame(new JobAccepted(record.Id, record.AcceptedPosition) { Sequence = 1 }, ImageFormat.Png, 0);
        }
        while (true)
        {
            if (runner.Find(record.Id) is { } job)
            {
                if (sent < job.Identity.FirstSequence - 1)
                {
                    foreach (var frame in await store.ReadFramesAsync(record.Id, sent, cancellationToken).ConfigureAwait(false))
                    {
                        if (frame.Sequence < job.Identity.FirstSequence)
                        {
                            sent = frame.Sequence;
                            yield return frame;
                        }
                    }
                }
                // The reader made at submission when this job took it (it has every event from the first), else a new one.
                var events = expected is not null && !runner.Forget(record.Id, expected) ? expected : job.Subscribe(sent);
                expected = null;
                try
                {
                    await foreach (var item in LiveAsync(record.Id, events, cancellationToken).ConfigureAwait(false))
                    {
                        if (item.Sequence <= sent)
                        {
                            continue;
                        }
                        sent = item.Sequence;
                        var images = job.Spec.FrameImages!.Value;
                        yield return contract.ToFrame(item, images.Format, images.Quality);
                    }
                }
                finally
                {
                    job.Unsubscribe(events);
                }
                yield break;
            }
            // Another replica runs it (or nobody yet): the frames stored after the last one sent, read once for this watcher,
            // then this replica's one feed of the job, shared by all its watchers.
            foreach (var frame in await store.ReadFramesAsync(record.Id, sent, cancellationToken).ConfigureAwait(false))
            {
                sent = frame.Sequence;
                yield return frame;
            }
            if (record.Done)
            {
                // Its end was stored after its last frame: the read above had them all.
                EndOf(record);
                yield break;
            }
            var feed = feeds.Join(record, sent);
            var position = record.QueuePosition;
            try
            {
                while (runner.Find(record.Id) is null)
                {
                    var (frames, latest, queued, changed) = feed.Snapshot(sent);
                    foreach (var frame in frames)
                    {
                        if ((frame.Result is not null || frame.VideoResult is not null) && !latest.Done)
                        {
                            // Whoever has the result finds the operation done: the result waits for the record that ends it.
                            break;
                        }
                        sent = frame.Sequence;
                        yield return frame;
                    }
                    if (latest.Done)
                    {
                        EndOf(latest);
                        yield break;
                    }
                    if (queued > 0 && queued < position)
                    {
                        // It moved forward in the queue: a frame that is not kept (sequence 0), as the contract says.
                        position = queued;
                        yield return contract.ToFrame(new JobQueued(queued), ImageFormat.Png, 0);
                    }
                    await WaitOrStopAsync(record.Id, Task.WhenAny(changed, runner.NextTaken), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                feeds.Leave(feed);
            }
            // This replica took the job over meanwhile: on with its live events.
        }
    }

    // Waits for the feed's next change; a watch of a job that does not run here ends when this process stops (the job stays
    // stored, for the next start or another replica).
    private async Task WaitOrStopAsync(string id, Task changed, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, scheduler.Stopping);
        try
        {
            await changed.WaitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (scheduler.Stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            ServerLog.WatchEndedByShutdown(logger, id);
            throw new ServerStoppingException("the server is stopping; the job stays queued and runs on the next start or another replica; watch it again there");
        }
    }

    // A watch of an ended job ends as the job did: nothing more after its result, its error otherwise.
    private static void EndOf(JobRecord record)
    {
        if (record.State != JobState.Succeeded)
        {
            throw new OperationFailedException(new Google.Rpc.Status { Code = record.ErrorCode, Message = record.ErrorMessage ?? "" });
        }
    }

    /// <summary>
    /// The events of a job this process runs, as <paramref name="events"/> delivers them, with one rule: whoever has the
    /// job's last event (or its error) finds the operation done, because its end is stored before that event is passed on.
    /// </summary>
    public async IAsyncEnumerable<JobEvent> LiveAsync(string id, JobEventBuffer events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var live = events.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ExceptionDispatchInfo? failure = null;
            var more = false;
            try
            {
                more = await live.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
            }
            if ((!more || live.Current is JobFinished or VideoFinished) && journal.Ending(id) is { } ending)
            {
                await ending.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            failure?.Throw();
            if (!more)
            {
                yield break;
            }
            yield return live.Current;
        }
    }

    // The caller's record of the named operation, live if this process runs it; NOT_FOUND for others' and unknown names.
    private async Task<JobRecord> RecordAsync(string name, OperationCaller caller, CancellationToken cancellationToken)
    {
        var id = OperationNames.JobId(name) ?? throw new OperationNotFoundException(name);
        var record = journal.Current(id) ?? await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || !caller.Sees(record))
        {
            throw new OperationNotFoundException(name);
        }
        if (record is { State: JobState.Queued, StartTime: null } && await queue.PositionAsync(record.Id).ConfigureAwait(false) is { } position)
        {
            // Waiting in the queue (IJobQueue.PositionAsync says what the number means).
            record = record with { QueuePosition = position };
        }
        return record;
    }

}
