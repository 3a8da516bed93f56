namespace StyleGrpc.Engine.FeedForward;

/// <summary>A training's state after an iteration: the network's weights, the optimiser's moments, the photo sampler's state.</summary>
public sealed class FeedForwardCheckpoint
{
    /// <summary>The last iteration done.</summary>
    public int Iteration => throw new NotImplementedException();

    /// <summary>Training time up to it.</summary>
    public TimeSpan Elapsed => throw new NotImplementedException();

    public void WriteTo(Stream stream) => throw new NotImplementedException();

    /// <summary>Reads a checkpoint; <see cref="InvalidDataException"/> when it is damaged or of another format.</summary>
    public static FeedForwardCheckpoint ReadFrom(Stream stream) => throw new NotImplementedException();
}
