namespace StyleGrpc.Engine;

/// <summary>
/// Process-wide switches for the engine's fast paths. All are on by default; the benchmark turns
/// them off one at a time to show what each is worth (docs/performance.md). Set before the first run.
/// </summary>
public static class EngineTuning
{
    /// <summary>
    /// Ask glibc's malloc to keep large freed blocks instead of returning them to the kernel. Every
    /// iteration frees and reallocates the same activation-sized buffers (tens of MB); served by mmap,
    /// each reallocation costs fresh zeroed pages. The price: resident memory stays at the run's peak.
    /// Read by <see cref="TorchRuntime.EnsureLoaded"/>. Linux only.
    /// </summary>
    public static bool KeepFreedMemory { get; set; } = true;

    /// <summary>Style loss built so its backward pass takes one matrix product per layer instead of two (see <see cref="Losses.StyleLosses.Style"/>).</summary>
    public static bool OneProductGramGradient { get; set; } = true;

    /// <summary>ReLUs of VGG19 run in place where nothing reads the value they overwrite.</summary>
    public static bool InPlaceRelu { get; set; } = true;

    /// <summary>Network weights and activations stored channels-last (see <see cref="Networks.ChannelsLast"/>). Read when a network loads.</summary>
    public static bool ChannelsLast { get; set; } = true;

    /// <summary>Let libtorch's MKL use AVX-512 kernels on non-Intel CPUs that have AVX-512 (see <see cref="MklCpuDispatch"/>). Read by <see cref="TorchRuntime.EnsureLoaded"/>.</summary>
    public static bool MklAvx512OnNonIntel { get; set; } = true;
}
