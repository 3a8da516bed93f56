using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// A stride-1 convolution with few output channels and a large kernel (the style network's last layer: 9×9, 16 → 3) as an
/// equal one that libtorch's convolutions run several times faster: the input's 4×4 pixel blocks become channels
/// (<c>pixel_unshuffle</c>), a 3×3 convolution with <see cref="Factor"/>² times the channels on both sides runs on that
/// quarter-size grid, and the output's channels go back to pixel blocks (<c>pixel_shuffle</c>). Output pixel
/// (4Y + py, 4X + px), channel o, reads input pixel (4(Y + jy) + qy, 4(X + jx) + qx), channel c, through tap
/// (4jy + qy − py, 4jx + qx − px) of the original kernel when that lies inside it, else through a zero: the same sums, in
/// another order (equal up to float32 rounding).
/// </summary>
/// <remarks>Inference only: the kernel is rebuilt from the current weights on every call (a gather, microseconds).</remarks>
internal sealed class SpaceToDepthKernel : IDisposable
{
    /// <summary>The side of a pixel block.</summary>
    public const int Factor = 4;

    private readonly Tensor index;
    private readonly long outChannels;
    private readonly long inChannels;
    private readonly int taps;

    /// <param name="outChannels">The original convolution's output channels.</param>
    /// <param name="inChannels">Its input channels.</param>
    /// <param name="kernel">Its square kernel's side: 1 more than a multiple of <see cref="Factor"/> (5, 9, 13…), so that the
    /// blocks' 3×3 (or larger) window loses exactly what the original kernel does at the edges.</param>
    public SpaceToDepthKernel(int outChannels, int inChannels, int kernel)
    {
        if (!Suits(kernel))
        {
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, $"the kernel's side must be 1 more than a multiple of {Factor}");
        }
        (this.outChannels, this.inChannels) = (outChannels, inChannels);
        taps = (kernel - 1) / Factor + 1;
        var zero = outChannels * inChannels * kernel * kernel;
        var map = new long[outChannels * Factor * Factor * inChannels * Factor * Factor * taps * taps];
        var i = 0;
        for (var o = 0; o < outChannels; o++)
        for (var py = 0; py < Factor; py++)
        for (var px = 0; px < Factor; px++)
        for (var c = 0; c < inChannels; c++)
        for (var qy = 0; qy < Factor; qy++)
        for (var qx = 0; qx < Factor; qx++)
        for (var jy = 0; jy < taps; jy++)
        for (var jx = 0; jx < taps; jx++)
        {
            var (ky, kx) = (Factor * jy + qy - py, Factor * jx + qx - px);
            map[i++] = ky >= 0 && ky < kernel && kx >= 0 && kx < kernel ? ((o * inChannels + c) * kernel + ky) * kernel + kx : zero;
        }
        index = tensor(map, [map.Length]);
    }

    /// <summary>True for a kernel side this form can stand for (1 more than a multiple of <see cref="Factor"/>, above 1).</summary>
    public static bool Suits(int kernel) => kernel > 1 && (kernel - 1) % Factor == 0;

    /// <summary>True when <paramref name="padded"/> (the input already padded to the output's size plus the kernel's) splits into whole blocks.</summary>
    public static bool Fits(Tensor padded) => padded.shape[2] % Factor == 0 && padded.shape[3] % Factor == 0;

    /// <summary>The convolution of <paramref name="padded"/> (N×C×H×W, no padding added) by <paramref name="weight"/> and <paramref name="bias"/>.</summary>
    /// <exception cref="ArgumentException">The input's sides are not multiples of <see cref="Factor"/> (<see cref="Fits"/>).</exception>
    public Tensor Convolve(Tensor padded, Tensor weight, Tensor bias)
    {
        if (!Fits(padded))
        {
            throw new ArgumentException($"a padded input of {padded.shape[2]}×{padded.shape[3]} does not split into {Factor}×{Factor} blocks", nameof(padded));
        }
        using var scope = NewDisposeScope();
        var withZero = cat([weight.reshape(-1), zeros(1, dtype: weight.dtype, device: weight.device)]);
        var blocked = withZero.index_select(0, index.to(weight.device)).reshape(outChannels * Factor * Factor, inChannels * Factor * Factor, taps, taps);
        var blockedWeight = Networks.ChannelsLast.From(blocked);
        var blockedBias = bias.repeat_interleave(Factor * Factor);
        var blocks = nn.functional.pixel_unshuffle(padded, Factor);
        var convolved = nn.functional.conv2d(blocks, blockedWeight, blockedBias);
        return nn.functional.pixel_shuffle(convolved, Factor).MoveToOuterDisposeScope();
    }

    public void Dispose() => index.Dispose();
}
