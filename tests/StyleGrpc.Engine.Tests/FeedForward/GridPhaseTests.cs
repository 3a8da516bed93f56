using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.FeedForward;

[Collection(TorchCollection.Name)]
public sealed class GridPhaseTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(-3, -2, 3, 2)]
    [InlineData(3, 2, 1, 2)]
    [InlineData(-8, 4, 0, 0)]
    [InlineData(-2.6, 0.4, 3, 0)]
    [InlineData(-41.2, -1001.7, 1, 2)]
    public void Following_IsMinusTheRoundedMotionModuloTheStride(double dx, double dy, int x, int y) =>
        Assert.Equal(new GridPhase(x, y), GridPhase.Following(dx, dy));

    [Fact]
    public void Following_NotANumber_IsNone() => Assert.Equal(GridPhase.None, GridPhase.Following(double.NaN, double.PositiveInfinity));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Stylize_MovedPictureOnTheFirstGrid_ComesOutMovedAlike(int shift)
    {
        using var model = FeedForwardModel.Untrained(FeedForwardArchitecture.Default, 7);
        var wide = ImageCodec.Resize(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg"))), 160 + shift, 96);
        // The same picture with its content moved `shift` px left: moved(x) = first(x + shift).
        var first = Crop(wide, 0, 160);
        var moved = Crop(wide, shift, 160);
        var original = model.Stylize(first, GridPhase.None, CancellationToken.None);
        var locked = model.Stylize(moved, GridPhase.Following(-shift, 0), CancellationToken.None);
        var plain = model.Stylize(moved, 0, CancellationToken.None);

        Assert.Equal((160, 96), (locked.Width, locked.Height));
        // Compared away from the edges (where the two pictures differ) on the content both show.
        double Difference(RgbImage output)
        {
            double sum = 0;
            var n = 0;
            for (var y = 24; y < 72; y++)
            {
                for (var x = 32; x < 120; x++, n++)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        sum += Math.Abs(output.Pixels[(y * 160 + x) * 3 + c] - original.Pixels[(y * 160 + x + shift) * 3 + c]);
                    }
                }
            }
            return sum / (3 * n);
        }
        var (lockedDifference, plainDifference) = (Difference(locked), Difference(plain));
        output.WriteLine($"shift {shift}: mean difference on the first grid {lockedDifference:0.00} levels, on its own {plainDifference:0.00}");
        Assert.True(lockedDifference < 0.2 * plainDifference, $"{lockedDifference} against {plainDifference}");
    }

    [Fact]
    public void Stylize_PhaseOutOfRange_Throws()
    {
        using var model = FeedForwardModel.Untrained(FeedForwardArchitecture.Default, 7);
        var picture = new RgbImage(16, 16, new byte[16 * 16 * 3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Stylize(picture, new GridPhase(4, 0), CancellationToken.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Stylize(picture, new GridPhase(0, -1), CancellationToken.None));
    }

    private static RgbImage Crop(RgbImage image, int left, int width)
    {
        var pixels = new byte[width * image.Height * 3];
        for (var y = 0; y < image.Height; y++)
        {
            Array.Copy(image.Pixels, (y * image.Width + left) * 3, pixels, y * width * 3, width * 3);
        }
        return new RgbImage(width, image.Height, pixels);
    }
}
