using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Trains a style's feed-forward network (Johnson et al. 2016 with instance normalisation) against the engine's feature
/// network: the perceptual loss is the engine's own (its preset's content and style layers, the style's stored targets).
/// </summary>
public sealed class FeedForwardTrainer(StyleTransferEngine engine)
{
    public StyleTransferEngine Engine { get; } = engine;

    /// <summary>The style layers a training with <paramref name="options"/> needs targets for.</summary>
    public IReadOnlyList<string> StyleLayers(FeedForwardTrainingOptions options) => throw new NotImplementedException();

    /// <summary>Checks the options against the engine's ranges; <see cref="InvalidStyleOptionException"/> names the field.</summary>
    public void Validate(FeedForwardTrainingOptions options) => throw new NotImplementedException();

    /// <summary>Estimated peak memory of a training step, in bytes (for the host's memory budget).</summary>
    public long EstimatedBytes(FeedForwardTrainingOptions options) => throw new NotImplementedException();

    /// <summary>Trains on the calling thread; cancelling stops it within one iteration (<see cref="OperationCanceledException"/>).</summary>
    public FeedForwardTrainingResult Train(TrainingPhotos photos, StyleTargets style, FeedForwardTrainingOptions options,
        Action<FeedForwardTrainingProgress>? onProgress, FeedForwardCheckpointing? checkpointing, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    /// <summary>As <see cref="Train"/>, on one of the engine's worker threads (callbacks run there and must not block).</summary>
    public Task<FeedForwardTrainingResult> TrainOnWorkerAsync(TrainingPhotos photos, StyleTargets style, FeedForwardTrainingOptions options,
        Action<FeedForwardTrainingProgress>? onProgress, FeedForwardCheckpointing? checkpointing, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
