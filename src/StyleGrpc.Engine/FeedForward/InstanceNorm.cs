using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Instance normalisation with a learnt per-channel scale and shift (Ulyanov et al. 2016): each image's channels are
/// normalised by their own mean and (biased) variance over all positions. Written out rather than libtorch's fused
/// <c>instance_norm</c> so that exact tiling can apply statistics gathered over the whole image to one tile
/// (<see cref="Apply"/>).
/// </summary>
internal sealed class InstanceNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>Added to the variance before its square root, as PyTorch's InstanceNorm2d.</summary>
    public const double Epsilon = 1e-5;

    private readonly Parameter weight;
    private readonly Parameter bias;

    public InstanceNorm(string name, int channels) : base(name)
    {
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        RegisterComponents();
    }

    /// <summary>Channels normalised.</summary>
    public long Channels => weight.shape[0];

    /// <summary>Normalises <paramref name="input"/> (N×C×H×W) by each image's own statistics.</summary>
    public override Tensor forward(Tensor input)
    {
        if (input.shape[0] == 1)
        {
            // One image: instance normalisation is batch normalisation over a batch of one, whose fused kernel reads a
            // channels-last input as it is stored (about five times faster at 512×288 than the reduction over H and W).
            return nn.functional.batch_norm(input, null, null, weight, bias, training: true, eps: Epsilon);
        }
        var (variance, mean) = var_mean(input, [2, 3], unbiased: false, keepdim: true);
        return Apply(input, mean, variance);
    }

    /// <summary>
    /// Normalises <paramref name="input"/> with the given per-image, per-channel <paramref name="mean"/> and
    /// <paramref name="variance"/> (N×C×1×1 or C values broadcast as 1×C×1×1), then scales and shifts.
    /// </summary>
    public Tensor Apply(Tensor input, Tensor mean, Tensor variance)
    {
        var c = weight.shape[0];
        using var eps = Epsilon.ToScalar();
        var scale = variance.reshape(-1, c, 1, 1).Plus(eps).rsqrt().mul(weight.reshape(1, c, 1, 1));
        var shift = bias.reshape(1, c, 1, 1) - mean.reshape(-1, c, 1, 1) * scale;
        return input.mul(scale).PlusInPlace(shift);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            weight.Dispose();
            bias.Dispose();
        }
        base.Dispose(disposing);
    }
}
