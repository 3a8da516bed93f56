namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Widths of a feed-forward style network (Johnson et al. 2016's image transformation network, narrowed): a 9×9
/// convolution to <see cref="Channels1"/>, two stride-2 3×3 convolutions to <see cref="Channels2"/> and
/// <see cref="Channels3"/>, <see cref="ResidualBlocks"/> residual blocks at a quarter of the resolution, two
/// nearest-upsample + 3×3 convolutions back, and a 9×9 convolution to RGB. Johnson et al. used 32/64/128 and 5 blocks.
/// </summary>
/// <param name="Channels1">Channels at full resolution.</param>
/// <param name="Channels2">Channels at half resolution.</param>
/// <param name="Channels3">Channels at quarter resolution (the residual blocks').</param>
/// <param name="ResidualBlocks">Residual blocks.</param>
public sealed record FeedForwardArchitecture(int Channels1, int Channels2, int Channels3, int ResidualBlocks)
{
    /// <summary>
    /// The default widths, 16/32/64 with 3 residual blocks: a quarter of Johnson et al.'s channels, for CPU speed. Training
    /// costs 11 % less per iteration than with 5 blocks (docs/performance.md, "Feed-forward"); widths 32/64/128 cost 4× the
    /// arithmetic per pixel at serving time.
    /// </summary>
    public static FeedForwardArchitecture Default { get; } = new(16, 32, 64, 3);

    /// <summary>True when every width is 1–256 channels and the blocks 0–16.</summary>
    public bool IsValid() => Channels1 is >= 1 and <= 256 && Channels2 is >= 1 and <= 256 && Channels3 is >= 1 and <= 256 && ResidualBlocks is >= 0 and <= 16;
}
