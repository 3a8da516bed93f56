namespace StyleGrpc.Server.Jobs;

/// <summary>A job was stopped before its end, for <see cref="Reason"/>.</summary>
public sealed class JobStoppedException(JobStopReason reason, string message) : OperationCanceledException(message)
{
    public JobStopReason Reason { get; } = reason;
}
