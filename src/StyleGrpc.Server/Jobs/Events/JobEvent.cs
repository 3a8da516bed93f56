namespace StyleGrpc.Server.Jobs.Events;

/// <summary>What a job reports, in order: accepted, queued (when its place changes), started, progress, finished.</summary>
public abstract record JobEvent
{
    /// <summary>
    /// Position in the job's stream, from 1, assigned when the job publishes the event; it keeps increasing across attempts
    /// (a resumed job starts above every sequence the earlier attempt may have sent), so readers re-attach after the last one
    /// they saw.
    /// </summary>
    public long Sequence { get; init; }
}
