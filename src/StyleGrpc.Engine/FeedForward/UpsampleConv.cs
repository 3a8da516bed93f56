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
        // libtorch's nearest upsampling keeps the input's channels-last layout (a broadcast view reshaped to 2H×2W copied it
        // to NCHW, twice as slow and a layout change for the convolution).
        using var up = nn.functional.interpolate(input, scale_factor: [2, 2], mode: InterpolationMode.Nearest);
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
