namespace StyleGrpc.Engine.FeedForward;

/// <summary>How a training takes part in checkpointing; as <see cref="RunCheckpointing"/> is for a stylize run.</summary>
public sealed record FeedForwardCheckpointing
{
    /// <summary>A checkpoint of an earlier attempt of the same training to continue from; null = start from the beginning.</summary>
    public FeedForwardCheckpoint? ResumeFrom { get; init; }

    /// <summary>Asked on the engine thread after each iteration but the last; true = write a checkpoint now.</summary>
    public Func<FeedForwardTrainingProgress, bool>? IsDue { get; init; }

    /// <summary>Receives each checkpoint on the engine thread; the checkpoint is the callee's.</summary>
    public Action<FeedForwardCheckpoint>? OnCheckpoint { get; init; }
}
