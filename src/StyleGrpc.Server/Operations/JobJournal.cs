using System.Threading.Channels;
using StyleGrpc.Engine;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Jobs.Events;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Errors;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Writes what a live job does to the job store: its record (state, iteration, losses; at most once a second while it
/// progresses, at once on every other event) and the frames a watcher replays (every frame but progress, plus the latest
/// progress and the latest preview), and at its end its result or error. A job stopped because this process stops is left
/// queued or running in the store, so the next start (or another replica) resumes it.
/// </summary>
public sealed class JobJournal(IJobStore store, IJobFrames contract, JobRunner runner, ReplicaAddress replica, ServerMetrics metrics, IHostEnvironment environment, TimeProvider time,
    ILogger<JobJournal> logger)
{
    private static readonly TimeSpan ProgressWriteInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Stores the job as the attempt this process runs (queued for a slot here) and follows it until it ends. Throws when the
    /// store cannot take it.
    /// </summary>
    public async Task TrackAsync(Job job, JobRecord stored, CancellationToken cancellationToken)
    {
        var record = stored with { Attempt = job.Identity.Attempt, State = JobState.Queued, Replica = "", QueuePosition = 0 };
        // Followed from now on (a cancel finds its end to wait for, and no event is missed); written once the attempt's
        // record is stored, so no later write of the job can land before it.
        var entry = new Tracked(job, record);
        job.Set(entry);
        job.Checkpointed += (_, checkpoint) => entry.Checkpoints.Writer.TryWrite(checkpoint);
        var events = job.Subscribe(job.Identity.FirstSequence - 1);
        try
        {
            if (!await store.SaveAsync(record, cancellationToken).ConfigureAwait(false))
            {
                // It ended meanwhile (cancelled while it was being taken), or a later attempt owns it: it must not run.
                job.Stop(JobStopReason.Cancelled);
            }
        }
        finally
        {
            _ = Task.Run(() => StoreCheckpointsAsync(entry), CancellationToken.None);
            _ = Task.Run(() => FollowAsync(entry, events), CancellationToken.None);
        }
    }

    /// <summary>The record of a job this process runs, as of its latest event; null when it does not run it.</summary>
    public JobRecord? Current(string id) => runner.Find(id)?.Get<Tracked>()?.Record;

    /// <summary>Completes with the job's final record once its end is written; null when this process does not follow it.</summary>
    public Task<JobRecord>? Ending(string id) => runner.Find(id)?.Get<Tracked>()?.Ended.Task;

    private async Task FollowAsync(Tracked entry, JobEventBuffer events)
    {
        var job = entry.Job;
        var kept = new List<StylizeResponse>();
        var lastWrite = long.MinValue;
        try
        {
            await foreach (var item in events.ReadAllAsync().ConfigureAwait(false))
            {
                entry.Record = Apply(entry, item);
                if (job.Spec.FrameImages is { } images)
                {
                    // Every frame is stored as it comes (watchers elsewhere get what local ones get); a training has no
                    // frames to replay: its operation's metadata and the style say all.
                    var frame = contract.ToFrame(item, images.Format, images.Quality);
                    await AppendAsync(entry.Record, frame, Keep(kept, frame)).ConfigureAwait(false);
                }
                if (item is not JobProgressed || lastWrite == long.MinValue || time.GetElapsedTime(lastWrite) >= ProgressWriteInterval)
                {
                    await PersistAsync(entry.Record).ConfigureAwait(false);
                    lastWrite = time.GetTimestamp();
                }
            }
            entry.Record = entry.Record with { State = JobState.Succeeded, EndTime = time.GetUtcNow(), QueuePosition = 0 };
        }
        catch (Exception ex) when (ex is ServerStoppingException or JobStoppedException { Reason: JobStopReason.Shutdown })
        {
            // This process stops; the job does not: it stays queued or running in the store for the next start to resume.
        }
        catch (Storage.StoreUnavailableException)
        {
            // The store did not answer (an outage of Redis): the job has not failed, this attempt has. It stays queued or
            // running, and is taken again once its queue entry comes back or its lease runs out (a later attempt, from its
            // checkpoint). Its watchers get UNAVAILABLE and re-attach.
        }
        catch (Exception ex)
        {
            var status = ErrorStatuses.Of(ex, environment.IsDevelopment());
            entry.Record = entry.Record with
            {
                State = ex is JobStoppedException { Reason: JobStopReason.Cancelled or JobStopReason.Caller } ? JobState.Cancelled : JobState.Failed,
                ErrorCode = status.Code,
                ErrorMessage = status.Message,
                EndTime = time.GetUtcNow(),
                QueuePosition = 0,
            };
        }
        finally
        {
            job.Unsubscribe(events);
            entry.Checkpoints.Writer.TryComplete();
            await entry.CheckpointsDone.Task.ConfigureAwait(false);
            entry.Record = entry.Record with { CheckpointIteration = entry.CheckpointIteration };
            await PersistAsync(entry.Record).ConfigureAwait(false);
            entry.Ended.TrySetResult(entry.Record);
            job.Settle();
        }
    }

    // Checkpoints are written off the engine thread, the latest first: one that waits is superseded by a newer one.
    private async Task StoreCheckpointsAsync(Tracked entry)
    {
        try
        {
            await foreach (var checkpoint in entry.Checkpoints.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                var started = time.GetTimestamp();
                try
                {
                    using var bytes = new MemoryStream();
                    checkpoint.WriteTo(bytes);
                    if (await store.SaveCheckpointAsync(entry.Job.Id, entry.Job.Identity.Attempt, bytes.GetBuffer().AsMemory(0, (int)bytes.Length), CancellationToken.None)
                            .ConfigureAwait(false))
                    {
                        entry.CheckpointIteration = checkpoint.Iteration;
                        entry.Record = entry.Record with { CheckpointIteration = checkpoint.Iteration };
                        await store.SaveAsync(entry.Record, CancellationToken.None).ConfigureAwait(false);
                        metrics.CheckpointWritten(bytes.Length, time.GetElapsedTime(started));
                    }
                    else
                    {
                        ServerLog.JobNotPersisted(logger, entry.Job.Id, $"checkpoint of attempt {entry.Job.Identity.Attempt}: a later attempt owns the job", null);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Storage.StoreUnavailableException)
                {
                    ServerLog.JobNotPersisted(logger, entry.Job.Id, "checkpoint: " + ex.Message, ex);
                }
                finally
                {
                    entry.Job.CheckpointStored();
                }
            }
        }
        finally
        {
            entry.CheckpointsDone.TrySetResult();
        }
    }

    private JobRecord Apply(Tracked entry, JobEvent item)
    {
        var record = entry.Record with { LastSequence = Math.Max(entry.Record.LastSequence, item.Sequence) };
        return item switch
        {
            JobAccepted a => record with { QueuePosition = a.QueuePosition },
            JobQueued q => record with { QueuePosition = q.QueuePosition },
            JobStarted s => record with
            {
                TraceParent = entry.Job.TraceParent ?? record.TraceParent,
                State = JobState.Running,
                StartTime = record.StartTime ?? time.GetUtcNow(),
                Replica = replica.Value,
                QueuePosition = 0,
                TotalIterations = s.TotalIterations,
            },
            JobProgressed p => record with
            {
                Iteration = p.Progress.Iteration,
                TotalIterations = p.Progress.TotalIterations,
                Level = p.Progress.Scale,
                Levels = p.Progress.Scales,
                Losses = [p.Progress.ContentLoss, p.Progress.StyleLoss, p.Progress.TotalVariationLoss, p.Progress.TotalLoss],
                Elapsed = p.Progress.Elapsed,
                Eta = p.Progress.EstimatedRemaining,
            },
            JobFinished f => record with { Iteration = f.Result.IterationsRun },
            VideoFinished v => record with { Iteration = v.Frames, TotalIterations = v.Frames, Eta = TimeSpan.Zero },
            JobTrained t => record with { Iteration = t.Iterations, Eta = TimeSpan.Zero },
            _ => record,
        };
    }

    // The frames a late watcher gets, by the job log's rule: every frame but progress, the latest progress and the latest
    // preview. Adds the frame and answers the sequences of the kept frames it supersedes.
    private static List<long> Keep(List<StylizeResponse> kept, StylizeResponse frame)
    {
        var superseded = new List<long>();
        if (frame.Progress is { } progress)
        {
            var withPreview = progress.Preview is not null;
            superseded.AddRange(kept.Where(f => f.Progress is { } p && JobLog.Supersedes(withPreview, p.Preview is not null)).Select(f => f.Sequence));
            kept.RemoveAll(f => superseded.Contains(f.Sequence));
        }
        kept.Add(frame);
        return superseded;
    }

    private Task AppendAsync(JobRecord record, StylizeResponse frame, IReadOnlyList<long> superseded) =>
        StoreAsync(record, () => store.AppendFramesAsync(record.Id, record.Attempt, [frame], superseded, CancellationToken.None));

    private Task PersistAsync(JobRecord record) => StoreAsync(record, () => store.SaveAsync(record, CancellationToken.None));

    private async Task StoreAsync(JobRecord record, Func<Task<bool>> write)
    {
        try
        {
            if (!await write().ConfigureAwait(false))
            {
                ServerLog.JobNotPersisted(logger, record.Id, $"attempt {record.Attempt} no longer owns the job", null);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Storage.StoreUnavailableException)
        {
            ServerLog.JobNotPersisted(logger, record.Id, ex.Message, ex);
        }
    }

    private sealed class Tracked(Job job, JobRecord record)
    {
        public Job Job { get; } = job;

        public JobRecord Record { get; set; } = record;

        public TaskCompletionSource<JobRecord> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Channel<JobCheckpoint> Checkpoints { get; } = Channel.CreateBounded<JobCheckpoint>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public TaskCompletionSource CheckpointsDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int CheckpointIteration { get; set; } = record.CheckpointIteration;
    }
}
