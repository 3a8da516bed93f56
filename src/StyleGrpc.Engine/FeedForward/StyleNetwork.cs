using StyleGrpc.Engine.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// The image transformation network (Johnson et al. 2016) with affine instance normalisation (Ulyanov et al. 2016),
/// reflection padding and nearest-upsample convolutions, output squashed to [0, 1] by a sigmoid. Input and output are
/// N×3×H×W RGB in [0, 1] with H and W multiples of <see cref="Stride"/> (at least 8). Every normalisation goes through an
/// <see cref="INormalization"/>, which is what lets <see cref="ExactTiling"/> run it tile by tile exactly. Weights and
/// activations are stored channels-last (<see cref="ChannelsLast"/>).
/// </summary>
internal sealed class StyleNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Total downsampling: input sides must be multiples of it.</summary>
    public const int Stride = 4;

    private readonly ReflectedConv conv1;
    private readonly InstanceNorm in1;
    private readonly ReflectedConv conv2;
    private readonly InstanceNorm in2;
    private readonly ReflectedConv conv3;
    private readonly InstanceNorm in3;
    private readonly ModuleList<ResidualBlock> residuals;
    private readonly UpsampleConv up1;
    private readonly InstanceNorm in4;
    private readonly UpsampleConv up2;
    private readonly InstanceNorm in5;
    private readonly ReflectedConv output;

    public StyleNetwork(FeedForwardArchitecture architecture) : base(nameof(StyleNetwork))
    {
        Architecture = architecture;
        var (c1, c2, c3) = (architecture.Channels1, architecture.Channels2, architecture.Channels3);
        conv1 = new ReflectedConv("conv1", 3, c1, 9, 1);
        in1 = new InstanceNorm("in1", c1);
        conv2 = new ReflectedConv("conv2", c1, c2, 3, 2);
        in2 = new InstanceNorm("in2", c2);
        conv3 = new ReflectedConv("conv3", c2, c3, 3, 2);
        in3 = new InstanceNorm("in3", c3);
        residuals = new ModuleList<ResidualBlock>([.. Enumerable.Range(0, architecture.ResidualBlocks).Select(i => new ResidualBlock($"res{i}", c3))]);
        up1 = new UpsampleConv("up1", c3, c2);
        in4 = new InstanceNorm("in4", c2);
        up2 = new UpsampleConv("up2", c2, c1);
        in5 = new InstanceNorm("in5", c1);
        output = new ReflectedConv("output", c1, 3, 9, 1);
        RegisterComponents();
        ChannelsLast.ConvertWeights(this);
    }

    public FeedForwardArchitecture Architecture { get; }

    /// <summary>Instance normalisations in forward order.</summary>
    public int NormCount => 5 + 2 * Architecture.ResidualBlocks;

    /// <summary>
    /// Input pixels an output pixel depends on around its own position, each side, bounded from above: every convolution's
    /// radius in input pixels, plus one coarse position for each nearest upsampling (its rounding). A tile's halo must be
    /// at least this for its core to be exact.
    /// </summary>
    public int ReceptiveRadius =>
        conv1.Radius + conv2.Radius + 2 * conv3.Radius + 4 * Architecture.ResidualBlocks * 2 + (4 + 2 * up1.Radius) + (2 + up2.Radius) + output.Radius;

    /// <summary>Input pixels per position at the <paramref name="index"/>-th normalisation (1, 2 or 4).</summary>
    public int NormStride(int index) => index switch
    {
        0 => 1,
        1 => 2,
        _ when index < NormCount - 2 => 4,
        _ when index == NormCount - 2 => 2,
        _ => 1,
    };

    public override Tensor forward(Tensor input) => Forward(input, OwnStatistics.Instance)!;

    /// <summary>The stylised <paramref name="input"/>, every normalisation done by <paramref name="normalization"/>; null when it stopped the pass.</summary>
    public Tensor? Forward(Tensor input, INormalization normalization)
    {
        // Channels-last throughout, weights and activations, as the loss network's gradients arrive: with plain NCHW weights
        // and channels-last gradients libtorch's backward pass gave different gradients from run to run (and NaN).
        var x = Stage(ChannelsLast.From(input), release: true, conv1.call, 0, in1, normalization);
        x = x is null ? null : Stage(x, release: true, conv2.call, 1, in2, normalization);
        x = x is null ? null : Stage(x, release: true, conv3.call, 2, in3, normalization);
        var norm = 3;
        foreach (var block in residuals)
        {
            if (x is null)
            {
                return null;
            }
            var blockInput = x;
            x = block.Forward(blockInput, norm, normalization);
            blockInput.Dispose();
            norm += 2;
        }
        x = x is null ? null : Stage(x, release: true, up1.call, norm, in4, normalization);
        x = x is null ? null : Stage(x, release: true, up2.call, norm + 1, in5, normalization);
        if (x is null)
        {
            return null;
        }
        using (x)
        using (var rgb = output.call(x))
        {
            return rgb.sigmoid();
        }
    }

    // Convolution, normalisation, ReLU; intermediate tensors are released at once (the autograd graph keeps what it needs),
    // so an inference pass holds about two activations at a time.
    private static Tensor? Stage(Tensor input, bool release, Func<Tensor, Tensor> conv, int index, InstanceNorm norm, INormalization normalization)
    {
        Tensor? normalised;
        using (var convolved = conv(input))
        {
            if (release)
            {
                input.Dispose();
            }
            normalised = normalization.Normalise(index, norm, convolved);
        }
        return normalised?.relu_();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            in1.Dispose();
            conv2.Dispose();
            in2.Dispose();
            conv3.Dispose();
            in3.Dispose();
            foreach (var block in residuals)
            {
                block.Dispose();
            }
            residuals.Dispose();
            up1.Dispose();
            in4.Dispose();
            up2.Dispose();
            in5.Dispose();
            output.Dispose();
        }
        base.Dispose(disposing);
    }
}
