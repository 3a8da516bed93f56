namespace StyleGrpc.Engine.FeedForward;

/// <summary>The state of a training after one iteration (one batch): its losses, unweighted except the total.</summary>
public sealed record FeedForwardTrainingProgress(
    int Iteration,
    int TotalIterations,
    double ContentLoss,
    double StyleLoss,
    double TotalVariationLoss,
    double TotalLoss,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining)
{
    /// <summary>Unweighted stability loss (<see cref="FeedForwardTrainingOptions.StabilityWeight"/>); 0 when it is off.</summary>
    public double StabilityLoss { get; init; }
}
