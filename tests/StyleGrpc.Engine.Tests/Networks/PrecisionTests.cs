using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine.Tests.Networks;

[Collection(TorchCollection.Name)]
public sealed class PrecisionTests
{
    [Fact]
    public void BFloat16_Network_GivesLossesCloseToFloat32AndIsDeterministic()
    {
        var content = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("content_64.png")));
        var style = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("style_64.png")));
        var options = new StyleTransferOptions { MaxSide = 64, Iterations = 5, RelativeTolerance = 0 };
        double Loss(Precision precision, out byte[] pixels, out string fingerprint)
        {
            using var network = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1", precision: precision);
            var engine = new StyleTransferEngine(network);
            var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = 64 });
            var first = new List<StyleTransferProgress>();
            var result = engine.Run(content, targets, options, first.Add);
            pixels = result.Image.Pixels;
            fingerprint = network.Info.Fingerprint;
            return first[0].StyleLoss;
        }

        var full = Loss(Precision.Float32, out _, out var fullPrint);
        var reduced = Loss(Precision.BFloat16, out var a, out var reducedPrint);
        Loss(Precision.BFloat16, out var b, out _);

        Assert.InRange(reduced / full, 0.97, 1.03);
        Assert.Equal(a, b);
        Assert.NotEqual(fullPrint, reducedPrint);
        Assert.Contains("-bf16", reducedPrint);
    }

    [Theory]
    [InlineData("float32", Precision.Float32)]
    [InlineData("BF16", Precision.BFloat16)]
    [InlineData("auto", Precision.Auto)]
    public void Parse_AcceptsNames(string text, Precision expected) => Assert.Equal(expected, PrecisionSupport.Parse(text));
}
