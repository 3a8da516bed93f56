using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Networks;

[Collection(TorchCollection.Name)]
public sealed class ChannelsLastTests
{
    [Fact]
    public void From_KeepsShapeAndValues_WithChannelsLastStrides()
    {
        using var scope = NewDisposeScope();
        var nchw = randn(1, 5, 3, 4);
        var nhwc = ChannelsLast.From(nchw);
        Assert.Equal(nchw.shape, nhwc.shape);
        Assert.Equal(new long[] { 60, 1, 20, 5 }, nhwc.stride());
        Assert.True(ChannelsLast.Is(nhwc));
        Assert.False(ChannelsLast.Is(nchw));
        Assert.True(nchw.eq(nhwc).all().item<bool>());
    }

    [Fact]
    public void GramAndStyleLoss_ChannelsLastFeatures_EqualContiguousOnes()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var values = randn(1, 6, 7, 5);
        var target = StyleLosses.Gram(randn(1, 6, 4, 4)); // a Gram matrix: symmetric, as the one-product gradient assumes
        var plain = values.clone().requires_grad_(true);
        var strided = values.clone().requires_grad_(true);
        var plainLoss = StyleLosses.Style(plain, target);
        var stridedLoss = StyleLosses.Style(ChannelsLast.From(strided), target);
        plainLoss.backward();
        stridedLoss.backward();

        Assert.True(StyleLosses.Gram(values).allclose(StyleLosses.Gram(ChannelsLast.From(values)), rtol: 1e-5, atol: 1e-7));
        Assert.Equal(plainLoss.item<float>(), stridedLoss.item<float>(), 1e-6f);
        Assert.True(plain.grad!.allclose(strided.grad!, rtol: 1e-4, atol: 1e-8));
    }

    [Fact]
    public void ContentLoss_ChannelsLastFeatures_EqualsContiguousOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var values = randn(1, 5, 6, 7);
        var target = randn(1, 5, 6, 7);
        var plain = values.clone().requires_grad_(true);
        var strided = values.clone().requires_grad_(true);
        var plainLoss = StyleLosses.Content(plain, target);
        var stridedLoss = StyleLosses.Content(ChannelsLast.From(strided), ChannelsLast.From(target));
        plainLoss.backward();
        stridedLoss.backward();

        Assert.Equal(plainLoss.item<float>(), stridedLoss.item<float>(), 1e-6f);
        Assert.True(plain.grad!.allclose(strided.grad!, rtol: 1e-5, atol: 1e-8));
    }

    [Fact]
    public void Vgg19_ChannelsLastOnAndOff_GiveTheSameFeatures()
    {
        var image = ImageCodec.Decode(File.ReadAllBytes(TestData.Reference("content_64.png")));
        string[] layers = ["relu1_1", "relu1_2", "relu2_1", "relu2_2", "conv3_1"];
        using var on = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
        Vgg19Network off;
        EngineTuning.ChannelsLast = false;
        try
        {
            off = Vgg19Network.Load(TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"), "conv3_1");
        }
        finally
        {
            EngineTuning.ChannelsLast = true;
        }
        using (off)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var input = ImageTensor.ToTensor(image, CPU);
            var a = on.Extract(input, layers);
            var b = off.Extract(input, layers);
            foreach (var layer in layers)
            {
                Assert.True(ChannelsLast.Is(a[layer]), layer);
                Assert.False(ChannelsLast.Is(b[layer]), layer);
                Assert.True(a[layer].allclose(b[layer], rtol: 1e-4, atol: 1e-5), layer);
            }
        }
    }
}
