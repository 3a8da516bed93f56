using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.Networks;

[Collection(TorchCollection.Name)]
public sealed class ResNet18NetworkTests(ITestOutputHelper output)
{
    [Fact]
    public void Load_PackagedOnnx_IsTheOfflineDefault()
    {
        using var network = (ResNet18Network)FeatureNetworkFactory.Load(new FeatureNetworkOptions { Device = DevicePreference.Cpu });
        Assert.True(network.Info.IsOfflineDefault);
        Assert.Equal("resnet18-onnx", network.Info.Name);
        Assert.Equal(["relu1", "pool1", "layer1", "layer2", "layer3", "layer4"], network.LayerNames);
        // 64/128/256/512 widths, [2,2,2,3] blocks: 11.2 M conv weights plus BatchNorm, no fc.
        Assert.InRange(network.parameters().Sum(p => p.numel()), 15_800_000, 16_000_000);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        var ex = Assert.Throws<ModelLoadException>(() => ResNet18Network.Load("/nonexistent/ResNet18.onnx"));
        Assert.Contains("/nonexistent/ResNet18.onnx", ex.Message);
    }

    [Fact]
    public void Load_NotOnnx_FailsClearly()
    {
        var ex = Assert.Throws<ModelLoadException>(() => ResNet18Network.Load(TestData.Reference("content_64.png")));
        Assert.Contains("content_64.png", ex.Message);
    }

    [Fact]
    public void Vgg19Configured_WinsOverDefault()
    {
        using var network = FeatureNetworkFactory.Load(new FeatureNetworkOptions
        {
            Vgg19WeightsPath = TestData.Reference("vgg19-seed0-conv1_1-conv3_1.safetensors"),
            Vgg19DeepestLayer = "conv3_1",
            Device = DevicePreference.Cpu,
        });
        Assert.Equal("vgg19", network.Info.Name);
        Assert.False(network.Info.IsOfflineDefault);
    }

    [Fact]
    public void Stylize_TubingenStarryNight128_LowersStyleLossTenfoldAndKeepsContent()
    {
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var content = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")));
        var style = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("starry_night.jpg")));
        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = 128 });
        var progress = new List<StyleTransferProgress>();

        var result = engine.Run(content, targets, new StyleTransferOptions { MaxSide = 128, Iterations = 60 }, progress.Add);

        var first = progress[0];
        output.WriteLine($"style {first.StyleLoss:E3} -> {result.Final.StyleLoss:E3}; content {result.Final.ContentLoss:E3}; auto style weight {result.Record.StyleWeight:E3}");
        Assert.True(result.Final.StyleLoss * 10 <= first.StyleLoss, $"style loss only fell from {first.StyleLoss:E3} to {result.Final.StyleLoss:E3}");
        Assert.True(result.Record.StyleWeightAutomatic);
        Assert.Equal((128, 96), (result.Image.Width, result.Image.Height));
        var resizedContent = ImageCodec.Resize(content, 128, 96);
        var resizedStyle = ImageCodec.Resize(style, 128, 96);
        var toContent = Correlation(Luma(result.Image), Luma(resizedContent));
        var toStyle = Correlation(Luma(result.Image), Luma(resizedStyle));
        output.WriteLine($"luma correlation with content {toContent:F3}, with style {toStyle:F3}");
        Assert.True(toContent > 0.5 && toContent > toStyle + 0.3, $"content not kept: correlation {toContent:F3} vs style {toStyle:F3}");
    }

    private static double[] Luma(RgbImage image) =>
        Enumerable.Range(0, image.Width * image.Height)
            .Select(i => 0.299 * image.Pixels[3 * i] + 0.587 * image.Pixels[3 * i + 1] + 0.114 * image.Pixels[3 * i + 2]).ToArray();

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double cov = 0, va = 0, vb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma) * (a[i] - ma);
            vb += (b[i] - mb) * (b[i] - mb);
        }
        return cov / Math.Sqrt(va * vb);
    }
}
