namespace StyleGrpc.Server.Jobs;

/// <summary>
/// One admitted Stylize job. It runs on its own (see <see cref="JobRunner"/>) whatever its reader does;
/// the reader takes its events from <see cref="Events"/>. <see cref="Stop"/> ends the run within one
/// iteration; the first reason given wins.
/// </summary>
public sealed class Job
{
    private readonly CancellationTokenSource stop = new();
    private readonly CancellationTokenSource stalled = new();
    private int reason = -1;

    internal Job(string id, string caller, StylizeJobSpec spec, JobEventBuffer events)
    {
        Id = id;
        Caller = caller;
        Spec = spec;
        Events = events;
    }

    public string Id { get; }

    /// <summary>Who asked for it: the API key's ID, or <c>anonymous</c>.</summary>
    public string Caller { get; }

    public StylizeJobSpec Spec { get; }

    /// <summary>Estimated peak memory, in bytes (the plan's).</summary>
    public long EstimatedBytes => Spec.Plan.EstimatedBytes;

    /// <summary>The job's events, for its one reader.</summary>
    public JobEventBuffer Events { get; }

    /// <summary>Cancelled when the job is stopped, for any reason.</summary>
    public CancellationToken StopToken => stop.Token;

    /// <summary>Cancelled when the reader stalled: pending writes to it should give up.</summary>
    public CancellationToken ReaderStalled => stalled.Token;

    /// <summary>Why the job was stopped, if it was.</summary>
    public JobStopReason? StopReason => Volatile.Read(ref reason) is var r and >= 0 ? (JobStopReason)r : null;

    /// <summary>Completes when the run has ended (its slot is free), however it ended.</summary>
    public Task Completion { get; internal set; } = Task.CompletedTask;

    /// <summary>Stops the job for <paramref name="why"/>; later calls are ignored.</summary>
    public void Stop(JobStopReason why)
    {
        if (Interlocked.CompareExchange(ref reason, (int)why, -1) != -1)
        {
            return;
        }
        // The sources hold no timers or links, so they are never disposed: the watchdog or a late caller may still
        // stop a job whose call has ended, and that must not throw.
        if (why == JobStopReason.ReaderStalled)
        {
            stalled.Cancel();
        }
        stop.Cancel();
    }
}
