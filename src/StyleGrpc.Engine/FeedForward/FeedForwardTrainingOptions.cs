namespace StyleGrpc.Engine.FeedForward;

/// <summary>Settings of one feed-forward network's training. Defaults are chosen by measurement (docs/performance.md).</summary>
public sealed record FeedForwardTrainingOptions
{
    /// <summary>Training iterations (one batch each).</summary>
    public int Iterations { get; init; } = 2000;

    /// <summary>Side of the square training crops, in pixels.</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>Photos per batch.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Weight of the content (perceptual) loss.</summary>
    public double ContentWeight { get; init; } = 1;

    /// <summary>Weight of the style loss; null = balanced automatically on the first batch.</summary>
    public double? StyleWeight { get; init; }

    /// <summary>Weight of the total-variation loss; null = the preset's.</summary>
    public double? TotalVariationWeight { get; init; }

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Layer preset of the loss network; null = its default.</summary>
    public string? Preset { get; init; }

    /// <summary>Widths of the network trained; null = <see cref="FeedForwardArchitecture.Default"/>.</summary>
    public FeedForwardArchitecture? Architecture { get; init; }

    /// <summary>Factor of the automatic style weight (as <see cref="StyleTransferOptions.AutoStyleWeightFactor"/>). Default 10.</summary>
    public double AutoStyleWeightFactor { get; init; } = 10;

    /// <summary>Seed of the initial weights and of the crops, scales and flips: same photos and seed, same network.</summary>
    public long Seed { get; init; }
}
