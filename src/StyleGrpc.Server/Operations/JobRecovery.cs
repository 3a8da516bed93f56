using StyleGrpc.Engine;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// At start, once the model is loaded: every job the store holds unfinished (queued, or running when its process died or
/// stopped) is admitted again, oldest first, as its next attempt, numbering its frames above the earlier attempts'. A job
/// the queue cannot take yet is tried again a little later.
/// </summary>
public sealed class JobRecovery(IJobStore store, ModelHost model, JobRunner runner, JobJournal journal, ServerMetrics metrics, TimeProvider time,
    ILogger<JobRecovery> logger)
    : BackgroundService
{
    /// <summary>Frames a job may have sent that its last stored record does not count; a resumed attempt starts above them.</summary>
    public const long SequenceMargin = 100_000;

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await model.GetEngineAsync(stoppingToken).ConfigureAwait(false);
        var pending = (await store.ListAsync(stoppingToken).ConfigureAwait(false)).Where(r => !r.Done).ToList();
        while (pending.Count > 0 && !stoppingToken.IsCancellationRequested)
        {
            var waiting = new List<JobRecord>();
            foreach (var record in pending)
            {
                if (!await TryResumeAsync(record, stoppingToken).ConfigureAwait(false))
                {
                    waiting.Add(record);
                }
            }
            pending = waiting;
            if (pending.Count > 0)
            {
                await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    // Admits the job again; false when the queue cannot take it now.
    private async Task<bool> TryResumeAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var spec = await store.ReadSpecAsync(record, cancellationToken).ConfigureAwait(false);
        if (spec is null || spec.Network != model.Engine.Network.Info.Fingerprint)
        {
            var reason = spec is null ? "its request is missing" : $"it was planned for {spec.Network}, this server runs {model.Engine.Network.Info.Fingerprint}";
            ServerLog.JobNotResumable(logger, record.Id, reason);
            await store.SaveAsync(record with
            {
                State = JobState.Failed,
                ErrorCode = (int)Grpc.Core.StatusCode.FailedPrecondition,
                ErrorMessage = $"the job cannot be resumed: {reason}",
                EndTime = time.GetUtcNow(),
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        // A job that had started is resumed (attempt + 1); one that never left the queue keeps its attempt.
        var attempt = record.State == JobState.Running || record.StartTime is not null ? record.Attempt + 1 : record.Attempt;
        var identity = new JobIdentity(record.Id, attempt, record.CreateTime, record.LastSequence + SequenceMargin, record.TraceParent);
        var checkpoint = await ReadCheckpointAsync(record, cancellationToken).ConfigureAwait(false);
        Job job;
        try
        {
            job = runner.Submit(spec, record.Caller, identity, resumeFrom: checkpoint, admitted: true);
        }
        catch (Exception ex) when (ex is QueueFullException or ServerStoppingException)
        {
            return false;
        }
        var resumedFrom = checkpoint?.Iteration ?? 0;
        await journal.TrackAsync(job, record with { LastSequence = identity.FirstSequence - 1, ResumedFromIteration = resumedFrom }, cancellationToken)
            .ConfigureAwait(false);
        if (attempt > record.Attempt)
        {
            metrics.JobResumed("restart", checkpoint is not null);
        }
        ServerLog.JobResumed(logger, record.Id, attempt, resumedFrom);
        return true;
    }

    // The job's checkpoint, if one was stored and is readable; a damaged one means starting over, not failing the job.
    private async Task<JobCheckpoint?> ReadCheckpointAsync(JobRecord record, CancellationToken cancellationToken)
    {
        if (await store.ReadCheckpointAsync(record.Id, cancellationToken).ConfigureAwait(false) is not { } bytes)
        {
            return null;
        }
        try
        {
            return JobCheckpoint.ReadFrom(new MemoryStream(bytes), record.Kind);
        }
        catch (InvalidDataException ex)
        {
            ServerLog.JobNotResumable(logger, record.Id, $"its checkpoint is unreadable ({ex.Message}); it starts over");
            return null;
        }
    }
}
