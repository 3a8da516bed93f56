using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>A convolution whose input is first reflection-padded by half its kernel, so the output keeps the input's size (÷ stride).</summary>
internal sealed class ReflectedConv : nn.Module<Tensor, Tensor>
{
    private readonly ReflectionPad2d pad;
    private readonly Conv2d conv;

    public ReflectedConv(string name, int inChannels, int outChannels, int kernel, int stride) : base(name)
    {
        Radius = kernel / 2;
        pad = nn.ReflectionPad2d(Radius);
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride);
        RegisterComponents();
    }

    /// <summary>Half the kernel: how far, in this layer's input positions, an output reads around its own position.</summary>
    public int Radius { get; }

    public override Tensor forward(Tensor input)
    {
        using var padded = pad.call(input);
        return conv.call(padded);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pad.Dispose();
            conv.Dispose();
        }
        base.Dispose(disposing);
    }
}
