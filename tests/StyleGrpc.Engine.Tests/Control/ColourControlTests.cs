using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Tests.Engine;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.Control;

/// <summary>Colour control, measured: the photo's chroma kept, the style's luminance and colours matched to the photo's statistics.</summary>
[Collection(TorchCollection.Name)]
public sealed class ColourControlTests(EngineFixture fixture, ITestOutputHelper output) : IClassFixture<EngineFixture>
{
    private static RgbImage Load(string name, int side)
    {
        var image = ImageCodec.Decode(File.ReadAllBytes(TestData.Image(name)), long.MaxValue, side);
        var (w, h) = ImageCodec.FitWithin(image.Width, image.Height, side);
        return ImageCodec.Resize(image, w, h);
    }

    [Fact]
    public void MatchHistogram_StarryNightToTubingen_HasThePhotosColourMeanAndCovariance()
    {
        var (style, photo) = (Load("starry_night.jpg", 128), Load("tubingen.jpg", 128));
        var matched = ColourTransfer.MatchHistogram(style, photo);
        var (mean, covariance) = ColourStatistics.Of(matched);
        var (photoMean, photoCovariance) = ColourStatistics.Of(photo);
        var (styleMean, styleCovariance) = ColourStatistics.Of(style);
        var meanError = mean.Zip(photoMean, (a, b) => Math.Abs(a - b)).Max();
        var scale = photoCovariance.Max(Math.Abs);
        var covarianceError = covariance.Zip(photoCovariance, (a, b) => Math.Abs(a - b)).Max() / scale;
        var before = styleCovariance.Zip(photoCovariance, (a, b) => Math.Abs(a - b)).Max() / scale;
        output.WriteLine($"mean error {meanError:F2} levels (before {styleMean.Zip(photoMean, (a, b) => Math.Abs(a - b)).Max():F2}); covariance error {covarianceError:P2} of its largest entry (before {before:P1})");
        // Stated tolerances: the mean within 2 of 255 levels, every covariance entry within 3 % of the largest (rounding and clipping to 0–255).
        Assert.True(meanError <= 2, $"mean error {meanError}");
        Assert.True(covarianceError <= 0.03, $"covariance error {covarianceError:P2}");
        Assert.True(before > 0.2, "the test images already agree: the test would prove nothing");
    }

    [Fact]
    public void MatchLuminance_ScreamToTubingen_HasThePhotosLuminanceMeanAndDeviation()
    {
        var (style, photo) = (Load("the_scream.jpg", 128), Load("tubingen.jpg", 128));
        var matched = ColourTransfer.MatchLuminance(style, photo);
        var (mean, deviation) = ColourTransfer.LuminanceStatistics(matched);
        var (photoMean, photoDeviation) = ColourTransfer.LuminanceStatistics(photo);
        output.WriteLine($"luminance mean {mean:F2} vs photo {photoMean:F2}, deviation {deviation:F2} vs {photoDeviation:F2}");
        Assert.InRange(mean, photoMean - 1.5, photoMean + 1.5);
        Assert.InRange(deviation, photoDeviation - 1.5, photoDeviation + 1.5);
        Assert.True(matched.Pixels.Chunk(3).All(p => p[0] == p[1] && p[1] == p[2]), "not grey");
    }

    [Fact]
    public void Run_LuminanceOnly_KeepsThePhotosChromaAndChangesItsLuminance()
    {
        var engine = fixture.Engine;
        var options = new StyleTransferOptions { MaxSide = 64, Iterations = 20, RelativeTolerance = 0, ColourControl = ColourControl.LuminanceOnly };
        var plan = engine.Plan(fixture.Content.Width, fixture.Content.Height, options);
        var targets = engine.ComputeLevelTargets(fixture.Style, 64, plan, fixture.Content);
        var result = engine.Run(fixture.Content, targets, plan);

        var (u, v, y) = ChromaDifference(result.Image, fixture.Content);
        output.WriteLine($"mean |ΔU| {u.Mean:F3}, max {u.Max:F2}; mean |ΔV| {v.Mean:F3}, max {v.Max:F2}; mean |ΔY| {y:F2} (of 255 levels)");
        // Stated tolerance: chroma within 1 level on average and 6 at worst (8-bit rounding, and clipping where the new
        // luminance with the old chroma leaves the RGB cube); luminance changed by the style.
        Assert.True(u.Mean <= 1 && v.Mean <= 1, $"mean chroma change U {u.Mean}, V {v.Mean}");
        Assert.True(u.Max <= 6 && v.Max <= 6, $"largest chroma change U {u.Max}, V {v.Max}");
        Assert.True(y >= 3, $"luminance barely changed ({y:F2})");
        Assert.Equal(ColourControl.LuminanceOnly, result.Record.ColourControl);
    }

    [Fact]
    public void Effective_KeepOriginalColours_IsAnAliasOfKeepOriginal()
    {
        Assert.Equal(ColourControl.KeepOriginal, ColourTransfer.Effective(new StyleTransferOptions { KeepOriginalColours = true }));
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Plan(64, 64,
            new StyleTransferOptions { KeepOriginalColours = true, ColourControl = ColourControl.HistogramMatch }));
        Assert.Equal("ColourControl", ex.Field);
    }

    // Mean and largest |ΔU|, |ΔV| and the mean |ΔY| between two images, BT.601 YUV on the 0–255 scale.
    private static ((double Mean, double Max) U, (double Mean, double Max) V, double Y) ChromaDifference(RgbImage a, RgbImage b)
    {
        double su = 0, sv = 0, sy = 0, mu = 0, mv = 0;
        var n = a.Pixels.Length / 3;
        for (var i = 0; i < a.Pixels.Length; i += 3)
        {
            var (ya, ua, va) = Yuv(a.Pixels, i);
            var (yb, ub, vb) = Yuv(b.Pixels, i);
            su += Math.Abs(ua - ub);
            sv += Math.Abs(va - vb);
            sy += Math.Abs(ya - yb);
            mu = Math.Max(mu, Math.Abs(ua - ub));
            mv = Math.Max(mv, Math.Abs(va - vb));
        }
        return ((su / n, mu), (sv / n, mv), sy / n);
    }

    private static (double Y, double U, double V) Yuv(byte[] p, int i) =>
        (0.299 * p[i] + 0.587 * p[i + 1] + 0.114 * p[i + 2],
         -0.14713 * p[i] - 0.28886 * p[i + 1] + 0.436 * p[i + 2],
         0.615 * p[i] - 0.51499 * p[i + 1] - 0.10001 * p[i + 2]);
}
