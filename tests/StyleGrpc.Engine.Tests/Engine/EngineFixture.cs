using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine.Tests.Engine;

/// <summary>The small reference VGG19 (conv1_1…conv3_1) and the 64×64 reference images: fast, real engine runs.</summary>
public sealed class EngineFixture : IDisposable
{
    public EngineFixture()
    {
        Network = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
        Engine = new StyleTransferEngine(Network);
        Content = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("content_64.png")));
        Style = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("style_64.png")));
        Targets = Engine.ComputeStyleTargets(Style, new StyleTargetOptions { MaxSide = 64 });
    }

    public Vgg19Network Network { get; }

    public StyleTransferEngine Engine { get; }

    public RgbImage Content { get; }

    public RgbImage Style { get; }

    public StyleTargets Targets { get; }

    public void Dispose() => Network.Dispose();
}
