using Grpc.Core;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// Each <see cref="JobStopReason"/> mapped once: the outcome logged, the metric label, the gRPC status the call ends with,
/// and the message the caller reads.
/// </summary>
public static class JobStopReasons
{
    private static readonly Dictionary<JobStopReason, (string Outcome, string Label, StatusCode Status)> Table = new()
    {
        [JobStopReason.Caller] = ("cancelled by the client", "cancelled", StatusCode.Cancelled),
        [JobStopReason.Deadline] = ("deadline exceeded", "deadline", StatusCode.DeadlineExceeded),
        [JobStopReason.ReaderStalled] = ("reader stalled; result discarded", "stalled", StatusCode.Aborted),
        [JobStopReason.MaxRunTime] = ("stopped at the maximum run time", "max_run_time", StatusCode.DeadlineExceeded),
        [JobStopReason.Shutdown] = ("handed back at shutdown", "shutdown", StatusCode.Unavailable),
        [JobStopReason.Cancelled] = ("cancelled by CancelOperation", "cancelled", StatusCode.Cancelled),
    };

    /// <summary>The outcome written to the log and the job's end event.</summary>
    public static string Outcome(JobStopReason reason) => Table[reason].Outcome;

    /// <summary>The <c>outcome</c> label of <c>stylegrpc_jobs_total</c>.</summary>
    public static string Label(JobStopReason reason) => Table[reason].Label;

    /// <summary>The status the call ends with.</summary>
    public static StatusCode Status(JobStopReason reason) => Table[reason].Status;

    /// <summary>What the caller reads, naming the setting that stopped the job where one did.</summary>
    public static string Message(JobStopReason reason, StyleGrpcServerOptions options) => reason switch
    {
        JobStopReason.Caller => "the call was cancelled",
        JobStopReason.Cancelled => "the operation was cancelled (CancelOperation)",
        JobStopReason.Deadline => "the call's deadline passed",
        JobStopReason.ReaderStalled =>
            $"the client read nothing for {options.StallTimeoutSeconds} s (StyleGrpc:StallTimeoutSeconds); the job was stopped and its result discarded",
        JobStopReason.MaxRunTime => $"the job ran longer than the server's limit of {options.MaxRunSeconds} s (StyleGrpc:MaxRunSeconds)",
        _ => "the server is stopping; the job was handed back to the queue and goes on from its last checkpoint on the next start " +
             "or another replica (watch its operation, Accepted.operation_name, to follow it)",
    };
}
