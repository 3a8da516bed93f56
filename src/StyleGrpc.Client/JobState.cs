namespace StyleGrpc.Client;

/// <summary>Where a submitted job is in its life.</summary>
public enum JobState
{
    /// <summary>The server did not say (an older server).</summary>
    Unspecified,
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
