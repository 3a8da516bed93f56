using StyleGrpc.Engine.FeedForward;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.FeedForward;

[Collection(TorchCollection.Name)]
public sealed class SpaceToDepthKernelTests
{
    [Theory]
    [InlineData(3, 16, 9, 40, 64)]
    [InlineData(3, 8, 9, 8, 8)]
    [InlineData(2, 5, 5, 12, 20)]
    [InlineData(1, 3, 13, 16, 8)]
    public void Convolve_EqualsTheConvolutionItStandsFor(int outChannels, int inChannels, int kernel, int height, int width)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var weight = randn(outChannels, inChannels, kernel, kernel);
        var bias = randn(outChannels);
        // The input as a layer gets it: padded by half the kernel, so the output keeps height × width.
        var padded = randn(1, inChannels, height + kernel - 1, width + kernel - 1);
        using var blocks = new SpaceToDepthKernel(outChannels, inChannels, kernel);

        var expected = nn.functional.conv2d(padded, weight, bias);
        var actual = blocks.Convolve(padded, weight, bias);

        Assert.Equal(expected.shape, actual.shape);
        var scale = expected.abs().max().item<float>();
        Assert.True((actual - expected).abs().max().item<float>() < 1e-5f * scale * kernel * kernel * inChannels);
    }

    [Fact]
    public void Convolve_InputNotInWholeBlocks_Throws()
    {
        using var scope = NewDisposeScope();
        using var blocks = new SpaceToDepthKernel(3, 4, 9);
        Assert.Throws<ArgumentException>(() => blocks.Convolve(zeros(1, 4, 22, 24), zeros(3, 4, 9, 9), zeros(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpaceToDepthKernel(3, 4, 7));
    }

    [Fact]
    public void StyleNetwork_WithoutGradients_GivesWhatTheTrainingPathGives()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var network = new StyleNetwork(FeedForwardArchitecture.Default);
        using (no_grad())
        {
            foreach (var p in network.parameters())
            {
                p.add_(randn_like(p).mul_(0.1));
            }
        }
        var input = rand(1, 3, 72, 120);
        var training = network.forward(input);
        Tensor serving;
        using (no_grad())
        {
            serving = network.forward(input);
        }
        Assert.True((training - serving).abs().max().item<float>() < 1e-5f);
    }
}
