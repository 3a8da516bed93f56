using StyleGrpc.Engine.Losses;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Losses;

[Collection(TorchCollection.Name)]
public sealed class StyleLossesTests
{
    // One image, 2 channels, 1×2 pixels: channel 0 = [1, 2], channel 1 = [3, 4].
    private static Tensor Features() => tensor(new float[] { 1, 2, 3, 4 }, [1, 2, 1, 2]);

    [Fact]
    public void Gram_TinyFeatures_MatchesHandComputedValues()
    {
        using var scope = NewDisposeScope();
        // F·Fᵀ = [[1+4, 3+8], [3+8, 9+16]] = [[5, 11], [11, 25]], divided by b·c·h·w = 1·2·1·2 = 4.
        var gram = StyleLosses.Gram(Features());
        Assert.Equal(new[] { 1.25f, 2.75f, 2.75f, 6.25f }, gram.data<float>().ToArray());
    }

    [Fact]
    public void Content_TinyFeatures_IsMeanSquaredDifference()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new float[] { 0, 2, 3, 6 }, [1, 2, 1, 2]);
        // Differences 1, 0, 0, -2 → (1 + 0 + 0 + 4) / 4.
        Assert.Equal(1.25f, StyleLosses.Content(Features(), target).item<float>());
    }

    [Fact]
    public void Style_TinyFeatures_IsMeanSquaredGramDifference()
    {
        using var scope = NewDisposeScope();
        var targetGram = tensor(new float[] { 1.25f, 2.75f, 2.75f, 4.25f }, [2, 2]);
        // Only the last entry differs, by 2 → 4 / 4 entries.
        Assert.Equal(1f, StyleLosses.Style(Features(), targetGram).item<float>());
    }

    [Fact]
    public void TotalVariation_TinyImage_SumsMeanSquaredNeighbourDifferences()
    {
        using var scope = NewDisposeScope();
        // One channel, 2×2: [[0, 1], [3, 5]]. Vertical diffs 3, 4 → mean 12.5; horizontal 1, 2 → mean 2.5.
        var image = tensor(new float[] { 0, 1, 3, 5 }, [1, 1, 2, 2]);
        Assert.Equal(15f, StyleLosses.TotalVariation(image).item<float>());
    }

    [Fact]
    public void TotalVariation_ConstantImage_IsZero()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0f, StyleLosses.TotalVariation(full(1, 3, 8, 8, 0.3f)).item<float>());
    }
}
