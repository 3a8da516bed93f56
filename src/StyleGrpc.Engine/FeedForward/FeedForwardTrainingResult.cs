namespace StyleGrpc.Engine.FeedForward;

/// <summary>A finished training: the network's stored form and how it got there.</summary>
/// <param name="Weights">The trained network, as <see cref="FeedForwardModel.Load"/> reads it.</param>
/// <param name="Iterations">Iterations run in all (across attempts).</param>
/// <param name="FinalLoss">Weighted total loss of the last iterations (the mean of the last 10).</param>
/// <param name="Elapsed">Training time in all (across attempts).</param>
public sealed record FeedForwardTrainingResult(byte[] Weights, int Iterations, double FinalLoss, TimeSpan Elapsed)
{
    /// <summary>Iteration the run resumed from (0 = it did not).</summary>
    public int ResumedFromIteration { get; init; }

    /// <summary>The style weight the training used: the option's, the preset's, or the one balanced on the first batch.</summary>
    public double StyleWeight { get; init; }
}
