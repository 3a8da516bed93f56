using StyleGrpc.Engine;

namespace StyleGrpc.Server.Jobs.Events;

/// <summary>The job completed; always the last event of a successful job.</summary>
/// <param name="JobId">The job's ID.</param>
/// <param name="Result">The engine's result.</param>
/// <param name="QueueTime">Time from admission to start.</param>
/// <param name="TotalTime">Time from admission to the end of the run.</param>
/// <param name="FramesCoalesced">Progress events of this job replaced because the reader lagged.</param>
/// <param name="PreviewsDropped">Previews of this job dropped because the reader lagged.</param>
public sealed record JobFinished(string JobId, StyleTransferResult Result, TimeSpan QueueTime, TimeSpan TotalTime,
    int FramesCoalesced = 0, int PreviewsDropped = 0) : JobEvent
{
    /// <summary>The attempt that finished the job: 1 = never resumed.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>How the picture was made.</summary>
    public StylizeMethod Method { get; init; } = StylizeMethod.Optimization;

    /// <summary>The style's feed-forward network's version the job used (feed-forward, or its output as the start); 0 = none.</summary>
    public int FeedForwardVersion { get; init; }
}
