using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>Johnson et al.'s residual block with instance normalisation: x + norm(conv(relu(norm(conv(x))))).</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly ReflectedConv conv1;
    private readonly InstanceNorm in1;
    private readonly ReflectedConv conv2;
    private readonly InstanceNorm in2;

    public ResidualBlock(string name, int channels) : base(name)
    {
        conv1 = new ReflectedConv("conv1", channels, channels, 3, 1);
        in1 = new InstanceNorm("in1", channels);
        conv2 = new ReflectedConv("conv2", channels, channels, 3, 1);
        in2 = new InstanceNorm("in2", channels);
        RegisterComponents();
    }

    /// <summary>Input positions an output position reads around it.</summary>
    public int Radius => conv1.Radius + conv2.Radius;

    public override Tensor forward(Tensor input) => Forward(input, 0, OwnStatistics.Instance)!;

    /// <summary>The block with its two normalisations numbered <paramref name="firstNorm"/> and the next; null when <paramref name="normalization"/> stops.</summary>
    public Tensor? Forward(Tensor input, int firstNorm, INormalization normalization)
    {
        Tensor? h;
        using (var c1 = conv1.call(input))
        {
            h = normalization.Normalise(firstNorm, in1, c1);
        }
        if (h is null)
        {
            return null;
        }
        using (var relu = nn.functional.relu(h))
        using (var c2 = conv2.call(relu))
        {
            h.Dispose();
            h = normalization.Normalise(firstNorm + 1, in2, c2);
        }
        if (h is null)
        {
            return null;
        }
        using (h)
        {
            return input.Plus(h);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            in1.Dispose();
            conv2.Dispose();
            in2.Dispose();
        }
        base.Dispose(disposing);
    }
}
