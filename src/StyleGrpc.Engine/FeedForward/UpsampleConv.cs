using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>Nearest-neighbour upsampling by 2 followed by a reflection-padded 3×3 convolution: no transposed convolution, so no checkerboard.</summary>
internal sealed class UpsampleConv : nn.Module<Tensor, Tensor>
{
    private readonly ReflectedConv conv;

    public UpsampleConv(string name, int inChannels, int outChannels) : base(name)
    {
        conv = new ReflectedConv("conv", inChannels, outChannels, 3, 1);
        RegisterComponents();
    }

    /// <summary>Radius of the convolution, in output (upsampled) positions.</summary>
    public int Radius => conv.Radius;

    public override Tensor forward(Tensor input)
    {
        // Nearest upsampling as a broadcast view and one copy (keeps the input's channels-last layout).
        var (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3]);
        using var up = input.reshape(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w);
        return conv.call(up);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
        }
        base.Dispose(disposing);
    }
}
