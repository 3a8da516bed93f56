using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Observability;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// The one place a stored job starts (again) on this replica, for <see cref="JobWorker"/> in either mode: as its next attempt when it ran
/// before (the attempt fences off every write of the earlier ones), from its checkpoint when one is stored and readable,
/// its frames numbered above every earlier attempt's. It was admitted when it was submitted: here it only waits for a slot.
/// </summary>
public sealed class JobResumption(IJobStore store, JobRunner runner, JobJournal journal, ServerMetrics metrics, ILogger<JobResumption> logger)
{
    /// <summary>Frames a job may have sent that its last stored record does not count; a resumed attempt starts above them.</summary>
    public const long SequenceMargin = 100_000;

    /// <summary>Starts the job; null when this replica cannot take it now (its queue is full, or it is stopping).</summary>
    /// <param name="record">The job's stored record.</param>
    /// <param name="spec">Its stored request.</param>
    /// <param name="resumed">True when it ran before (it becomes a later attempt); false when it never left the queue.</param>
    /// <param name="cause">Why it is resumed, for <c>stylegrpc_jobs_resumed_total</c>: <c>restart</c>, <c>handed_back</c>, <c>claimed</c>.</param>
    /// <param name="taken">Called once the runner holds the job, before its record is stored (the fleet renews its lease from then on).</param>
    /// <param name="cancellationToken">Cancels storing its record.</param>
    public async Task<Job?> StartAsync(JobRecord record, JobSpec spec, bool resumed, string cause, Action<Job>? taken, CancellationToken cancellationToken)
    {
        var attempt = resumed ? record.Attempt + 1 : record.Attempt;
        var checkpoint = resumed ? await ReadCheckpointAsync(record, cancellationToken).ConfigureAwait(false) : null;
        var identity = new JobIdentity(record.Id, attempt, record.CreateTime, record.LastSequence + SequenceMargin, record.TraceParent);
        Job job;
        try
        {
            job = runner.Start(spec, record.Caller, identity, checkpoint);
        }
        catch (Exception ex) when (ex is QueueFullException or ServerStoppingException)
        {
            return null;
        }
        taken?.Invoke(job);
        var resumedFrom = checkpoint?.Iteration ?? 0;
        await journal.TrackAsync(job, record with { LastSequence = identity.FirstSequence - 1, ResumedFromIteration = resumedFrom }, cancellationToken)
            .ConfigureAwait(false);
        if (resumed)
        {
            metrics.JobResumed(cause, checkpoint is not null);
            ServerLog.JobResumed(logger, record.Id, attempt, resumedFrom);
        }
        return job;
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
