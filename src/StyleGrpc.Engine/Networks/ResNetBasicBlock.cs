using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace StyleGrpc.Engine.Networks;

/// <summary>ResNet's basic block: two 3×3 conv+BatchNorm, plus an optional 1×1 projection on the shortcut.</summary>
internal sealed class ResNetBasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    public ResNetBasicBlock(string name, Conv2d conv1, BatchNorm2d bn1, Conv2d conv2, BatchNorm2d bn2, Sequential? downsample)
        : base(name)
    {
        this.conv1 = conv1;
        this.bn1 = bn1;
        this.conv2 = conv2;
        this.bn2 = bn2;
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var main = bn2.call(conv2.call(functional.relu(bn1.call(conv1.call(input)))));
        var shortcut = downsample is null ? input : downsample.call(input);
        return functional.relu(main.Plus(shortcut));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            conv2.Dispose();
            bn2.Dispose();
            downsample?.Dispose();
        }
        base.Dispose(disposing);
    }
}
