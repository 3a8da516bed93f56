namespace StyleGrpc.Client;

/// <summary>Options of <see cref="StyleGrpcClient.TrainStyleNetworkAsync"/>; null = the server's default (see its limits).</summary>
public sealed record TrainStyleNetworkOptions
{
    /// <summary>Training iterations (batches).</summary>
    public int? Iterations { get; init; }

    /// <summary>Side of the square training crops, in pixels (64 up to the server's limit).</summary>
    public int? ImageSize { get; init; }

    /// <summary>Photos per batch.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Weight of the content loss (server default 1).</summary>
    public double? ContentWeight { get; init; }

    /// <summary>Weight of the style loss; null = balanced automatically from the first batch.</summary>
    public double? StyleWeight { get; init; }

    /// <summary>
    /// Weight of the stability term (Gupta et al. 2017: the output should not jump when the input shifts a little or takes a
    /// little noise), for a style meant for video; null or 0 = off, at most 1000. 30 is what docs/video.md measured.
    /// </summary>
    public double? StabilityWeight { get; init; }

    /// <summary>
    /// The loss network sees the output at a random sub-pixel offset, so the style survives the warps of a video's temporal
    /// consistency (docs/video.md); false = off.
    /// </summary>
    public bool ShiftedLoss { get; init; }

    /// <summary>
    /// Where the server POSTs the training operation once it ends (a completion webhook, as <see cref="StylizeOptions.NotifyUrl"/>);
    /// null = the caller's default the server holds, if any. <see cref="TrainingStatus.Notification"/> reports the delivery.
    /// </summary>
    public string? NotifyUrl { get; init; }
}
