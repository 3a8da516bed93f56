namespace StyleGrpc.Engine.FeedForward;

/// <summary>Settings of one feed-forward network's training. Defaults are chosen by measurement (docs/performance.md).</summary>
/// <remarks>
/// The defaults (1,200 iterations of 4 crops of 256 px, learning rate 2·10⁻³, widths 16/32/64 with 3 residual blocks) are
/// sized so that a training takes well under 30 minutes on this project's 2-core machines: on the offline default network
/// (AMD EPYC with AVX-512, 2 threads, 2026-11-29) an iteration takes 0.78–0.9 s of wall time on a quiet machine, so about
/// 16–18 minutes, leaving room for a slower CPU. At 400 iterations none of these did better on held-out photos
/// (docs/performance.md, "Feed-forward"): a learning rate of 5·10⁻³, a cosine decay, per-photo automatic style weights,
/// an input skip connection, Johnson et al.'s widths (32/64/128, about 3× the time per iteration). Johnson et al. trained 40,000
/// iterations of 4 crops on a GPU; on a CPU the network is narrower and trains shorter at a higher learning rate (their
/// 10⁻³ doubled).
/// </remarks>
public sealed record FeedForwardTrainingOptions
{
    /// <summary>Training iterations (one batch each), 1–100,000. Default 1,200.</summary>
    public int Iterations { get; init; } = 1200;

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

    /// <summary>
    /// Weight of the stability loss (<see cref="StabilityLoss"/>, Gupta et al. 2017): trains the network to give steadier
    /// video, its output moving with a shifted input (<see cref="StabilityShift"/>) and unmoved by a little noise
    /// (<see cref="StabilityNoise"/>); each enabled term costs one more pass of the network per iteration. Finite, ≥ 0.
    /// Default 0: off, no extra passes, a training exactly as without this option.
    /// </summary>
    public double StabilityWeight { get; init; }

    /// <summary>
    /// Stability loss: the translation of the shifted copy, in pixels, 0–16 (0 = no shift term). Default 2 (not a multiple of
    /// the network's stride of 4: the hard case, where frame-to-frame flicker appears).
    /// </summary>
    public int StabilityShift { get; init; } = 2;

    /// <summary>
    /// Stability loss: the standard deviation of the Gaussian noise added to the noisy copy, in [0, 1] pixel units
    /// (0.02 ≈ 5 grey levels), 0–1 (0 = no noise term). Default 0.02.
    /// </summary>
    public double StabilityNoise { get; init; } = 0.02;

    /// <summary>
    /// The loss network sees the output and the photos moved by one random sub-pixel offset of 0–4 px per iteration
    /// (<see cref="LossShift"/>), so the network learns style that survives being moved and resampled, as a video's frames
    /// are, instead of a pixel pattern scored at one position on the loss network's grid. Default false: the loss sees the
    /// output as it is, exactly as without this option.
    /// </summary>
    public bool ShiftedLoss { get; init; }

    /// <summary>Seed of the initial weights and of the crops, scales and flips: same photos and seed, same network.</summary>
    public long Seed { get; init; }
}
