namespace StyleGrpc.Server.Operations;

/// <summary>
/// What the job store keeps of a job besides its request, plan, frames and checkpoint: enough to answer GetOperation from
/// any replica and to resume the job after its replica is gone. A plain record, written as JSON.
/// </summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    /// <summary>What the job does; records stored before there were kinds are Stylize jobs.</summary>
    public Jobs.JobKind Kind { get; init; }

    /// <summary>The style whose network a training job trains; null for Stylize jobs.</summary>
    public string? StyleId { get; init; }

    /// <summary>Who submitted it: the API key's ID, or <c>anonymous</c>.</summary>
    public required string Caller { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    public JobState State { get; init; }

    /// <summary>1 = the first run; +1 each time the job is resumed. Also the fencing token of every write of the attempt.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The iteration the current attempt resumed from; 0 if never resumed.</summary>
    public int ResumedFromIteration { get; init; }

    /// <summary>The iteration of the last checkpoint safely written; 0 = none.</summary>
    public int CheckpointIteration { get; init; }

    /// <summary>A video job's output frame size, in pixels (0 for other kinds).</summary>
    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>The replica running it, <c>host:port</c>; empty while queued.</summary>
    public string Replica { get; init; } = "";

    public int QueuePosition { get; init; }

    public int Iteration { get; init; }

    public int TotalIterations { get; init; }

    public int Level { get; init; }

    public int Levels { get; init; }

    /// <summary>Run time up to the latest iteration.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time to the last iteration, as of the latest one.</summary>
    public TimeSpan Eta { get; init; }

    /// <summary>Content, style, total-variation and total loss of the latest iteration; null before the first.</summary>
    public double[]? Losses { get; init; }

    /// <summary>The error's gRPC status code when <see cref="State"/> is Failed or Cancelled.</summary>
    public int ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>The last frame sequence this job's attempts have used; a resumed attempt numbers its frames above it.</summary>
    public long LastSequence { get; init; }

    /// <summary>The W3C trace context of the latest attempt's job span; the next attempt's span links to it.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The queue position its Accepted frame reports: what it was when the job was submitted (0 = it started at once).</summary>
    public int AcceptedPosition { get; init; }

    /// <summary>The caller's request ID (AIP-155) it was created with; null without one.</summary>
    public string? RequestId { get; init; }

    /// <summary>The SHA-256 of the request it was created with (its request ID left out): a retry must match it.</summary>
    public string? RequestFingerprint { get; init; }

    /// <summary>The completion webhook and its delivery; null when the job has none.</summary>
    public JobNotification? Notification { get; init; }

    /// <summary>True once the job has ended (succeeded, failed or cancelled).</summary>
    public bool Done => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}
