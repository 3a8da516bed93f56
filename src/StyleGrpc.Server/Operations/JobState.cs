namespace StyleGrpc.Server.Operations;

/// <summary>Where a durable job is.</summary>
public enum JobState
{
    /// <summary>Admitted, waiting for a slot (or for a replica to resume it).</summary>
    Queued,

    /// <summary>Running on a replica.</summary>
    Running,

    /// <summary>Ended with its result.</summary>
    Succeeded,

    /// <summary>Ended with an error.</summary>
    Failed,

    /// <summary>Cancelled by its caller.</summary>
    Cancelled,
}
