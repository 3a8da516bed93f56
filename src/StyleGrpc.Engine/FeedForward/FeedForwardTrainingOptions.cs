namespace StyleGrpc.Engine.FeedForward;

/// <summary>Settings of one feed-forward network's training. Defaults are chosen by measurement (docs/performance.md).</summary>
/// <remarks>
/// The defaults (800 iterations of 4 crops of 256 px, learning rate 2·10⁻³, widths 16/32/64 with 3 residual blocks) are sized
/// so that a training takes at most 30 minutes on this project's 2-core machines: <c>bench --only feedforward-steps</c>
/// measured, on the offline default network (AMD EPYC, AVX-512, 2 threads, 2026-11-29), 1.86 s of CPU time ÷ threads per
/// iteration at these settings (16/32/64 with 5 blocks: 2.09 s; batch 2: 1.25 s), i.e. about 25 minutes on an idle
/// machine. The machine was shared while measuring (load 10–15): wall time was 7.4 s per iteration, four times as long.
/// Johnson et al. trained 40,000 iterations of 4 crops on a GPU; on a CPU the network is narrower and trains shorter at a
/// higher learning rate (their 10⁻³ doubled).
/// </remarks>
public sealed record FeedForwardTrainingOptions
{
    /// <summary>Training iterations (one batch each), 1–100,000. Default 800.</summary>
    public int Iterations { get; init; } = 800;

    /// <summary>Side of the square training crops, in pixels, 64–1024. Default 256.</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>Photos per batch, 1–16. Default 4.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Weight of the content (perceptual) loss, ≥ 0. Default 1.</summary>
    public double ContentWeight { get; init; } = 1;

    /// <summary>Weight of the style loss, ≥ 0; null = the preset's, and where it has none (the offline ResNet18) balanced automatically on the first batch as an optimisation run balances it.</summary>
    public double? StyleWeight { get; init; }

    /// <summary>Weight of the total-variation loss; null = the preset's.</summary>
    public double? TotalVariationWeight { get; init; }

    /// <summary>Adam's learning rate. Default 2·10⁻³.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Layer preset of the loss network; null = its default.</summary>
    public string? Preset { get; init; }

    /// <summary>Widths of the network trained; null = <see cref="FeedForwardArchitecture.Default"/>.</summary>
    public FeedForwardArchitecture? Architecture { get; init; }

    /// <summary>Factor of the automatic style weight (as <see cref="StyleTransferOptions.AutoStyleWeightFactor"/>). Default 10.</summary>
    public double AutoStyleWeightFactor { get; init; } = 10;

    /// <summary>Seed of the initial weights and of the crops, scales and flips: same photos and seed, same network.</summary>
    public long Seed { get; init; }
}
