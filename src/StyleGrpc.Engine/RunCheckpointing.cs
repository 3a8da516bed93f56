namespace StyleGrpc.Engine;

/// <summary>
/// How a run takes part in checkpointing: where it resumes from, when it writes a checkpoint and who receives it. The host
/// decides when (a timer, draining) and where the bytes go; the engine decides what is in them.
/// </summary>
public sealed record RunCheckpointing
{
    /// <summary>
    /// A checkpoint of an earlier attempt of the same plan to continue from; null = start from the beginning. The resumed run
    /// does not repeat the iterations before it: its progress numbers continue from <see cref="RunCheckpoint.Iteration"/> + 1
    /// and its clock from <see cref="RunCheckpoint.Elapsed"/>.
    /// </summary>
    public RunCheckpoint? ResumeFrom { get; init; }

    /// <summary>
    /// Asked on the engine thread after each iteration that is not the last of its level (the progress just reported); true =
    /// write a checkpoint now. Keep it cheap (e.g. compare a timestamp, read a draining flag). Null = only level boundaries.
    /// </summary>
    public Func<StyleTransferProgress, bool>? IsDue { get; init; }

    /// <summary>
    /// Receives each checkpoint on the engine thread: when <see cref="IsDue"/> said so, and at every level boundary of a
    /// coarse-to-fine run (after a level ends, before the next starts). The checkpoint is the callee's; serialise or queue it
    /// and return: the run waits for this call.
    /// </summary>
    public Action<RunCheckpoint>? OnCheckpoint { get; init; }
}
