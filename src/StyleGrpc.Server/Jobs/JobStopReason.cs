namespace StyleGrpc.Server.Jobs;

/// <summary>Why a job was stopped before its end.</summary>
public enum JobStopReason
{
    /// <summary>The caller cancelled the call.</summary>
    Caller,

    /// <summary>The caller's deadline passed.</summary>
    Deadline,

    /// <summary>The reader took no frame for the stall timeout.</summary>
    ReaderStalled,

    /// <summary>The run passed the server's maximum run time.</summary>
    MaxRunTime,

    /// <summary>The server is stopping and the drain timeout passed.</summary>
    Shutdown,

    /// <summary>CancelOperation asked for it (from any replica).</summary>
    Cancelled,
}
