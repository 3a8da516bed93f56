using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>A convolution whose input is first reflection-padded by half its kernel, so the output keeps the input's size (÷ stride).</summary>
internal sealed class ReflectedConv : nn.Module<Tensor, Tensor>
{
    private readonly ReflectionPad2d pad;
    private readonly Conv2d conv;
    // Inference's faster equal form of a large kernel with few outputs (the network's last layer); null for the others.
    private readonly SpaceToDepthKernel? blocks;

    public ReflectedConv(string name, int inChannels, int outChannels, int kernel, int stride) : base(name)
    {
        Radius = kernel / 2;
        pad = nn.ReflectionPad2d(Radius);
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride);
        RegisterComponents();
        blocks = stride == 1 && SpaceToDepthKernel.Suits(kernel) && outChannels <= 4 ? new SpaceToDepthKernel(outChannels, inChannels, kernel) : null;
    }

    /// <summary>Half the kernel: how far, in this layer's input positions, an output reads around its own position.</summary>
    public int Radius { get; }

    public override Tensor forward(Tensor input)
    {
        using var padded = pad.call(input);
        // Without gradients (serving) the last layer runs as its space-to-depth equal: 38 → about 21 ms at 512×288 here.
        return blocks is not null && !is_grad_enabled() && SpaceToDepthKernel.Fits(padded)
            ? blocks.Convolve(padded, conv.weight!, conv.bias!)
            : conv.call(padded);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pad.Dispose();
            conv.Dispose();
            blocks?.Dispose();
        }
        base.Dispose(disposing);
    }
}
