using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Tests.Engine;
using SkiaSharp;

namespace StyleGrpc.Engine.Tests.Control;

/// <summary>Planning with regions and per-component layers: the checks name the option; scale control blends per layer.</summary>
[Collection(TorchCollection.Name)]
public sealed class ControlPlanTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [Theory]
    [InlineData(660, 400, 1.0, "Regions[0].Mask")]   // aspect 1.65 vs 1.6: 3 % off
    [InlineData(64, 0, 1.0, "Regions[0].Mask")]
    [InlineData(640, 400, double.NaN, "Regions[0].Weight")]
    [InlineData(640, 400, -1.0, "Regions[0].Weight")]
    public void Plan_BadRegion_NamesTheRegionsField(int maskWidth, int maskHeight, double weight, string field)
    {
        var options = new StyleTransferOptions { MaxSide = 64, Regions = [new RegionOptions(maskWidth, maskHeight, weight)] };
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Plan(320, 200, options));
        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void Plan_MaskWithinOnePercentOfTheAspect_IsAccepted()
    {
        var plan = fixture.Engine.Plan(320, 200, new StyleTransferOptions { MaxSide = 64, Regions = [new RegionOptions(645, 400)] });
        Assert.Single(plan.Options.Regions!);
    }

    [Fact]
    public void Plan_MoreRegionsThanTheLimit_NamesRegions()
    {
        var options = new StyleTransferOptions { MaxSide = 64, Regions = [.. Enumerable.Repeat(new RegionOptions(64, 64), 3)] };
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Plan(64, 64, options, new RunLimits { MaxRegions = 2 }));
        Assert.Equal("Regions", ex.Field);
    }

    [Fact]
    public void Plan_UnknownComponentLayer_NamesTheComponentsLayer()
    {
        var options = new StyleTransferOptions
        {
            MaxSide = 64,
            BlendComponents = [new BlendComponentLayers(1), new BlendComponentLayers(1, [new LayerWeight("relu1_1"), new LayerWeight("conv9_9")])],
        };
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Plan(64, 64, options));
        Assert.Equal("BlendComponents[1].StyleLayers[1].Layer", ex.Field);
    }

    [Fact]
    public void ScaleControl_CoarseFromOneFineFromTheOther_TakesEachLayersTargetFromItsComponent()
    {
        var engine = fixture.Engine;
        var options = new StyleTransferOptions
        {
            MaxSide = 64,
            BlendComponents = [new BlendComponentLayers(1, [new LayerWeight("conv3_1")]), new BlendComponentLayers(1, [new LayerWeight("relu1_1")])],
        };
        var plan = engine.Plan(64, 64, options);
        Assert.Equal(["conv3_1", "relu1_1"], plan.StyleLayers.Select(l => l.Layer));
        Assert.All(plan.StyleLayers, l => Assert.Equal(0.5, l.Weight, 12));
        var coarse = fixture.Targets;
        var fine = engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("the_scream.jpg")), long.MaxValue, 64),
            new StyleTargetOptions { MaxSide = 64 });
        var blended = ScaleControl.Blend([(coarse, 1), (fine, 1)], plan);
        Assert.Equal(coarse.Find("conv3_1")!.Gram, blended.Find("conv3_1")!.Gram);
        Assert.Equal(fine.Find("relu1_1")!.Gram, blended.Find("relu1_1")!.Gram);
        // Without layers of their own it is the plain blend.
        var plainPlan = engine.Plan(64, 64, options with { BlendComponents = [new BlendComponentLayers(1), new BlendComponentLayers(3)] });
        Assert.Null(plainPlan.BlendShares);
        Assert.Equal(StyleTargets.Blend([(coarse, 1), (fine, 3)]).Find("relu2_1")!.Gram, ScaleControl.Blend([(coarse, 1), (fine, 3)], plainPlan).Find("relu2_1")!.Gram);
    }

    [Fact]
    public void MaskCodec_RealAlpha_UsesAlphaElseLuminance()
    {
        static byte[] Png(SKColor color)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(4, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            bitmap.Erase(color);
            bitmap.SetPixel(0, 0, new SKColor(color.Red, color.Green, color.Blue, 255));
            using var image = SKImage.FromBitmap(bitmap);
            return image.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        }
        var alpha = MaskCodec.Decode(Png(new SKColor(0, 0, 0, 128)));
        Assert.Equal(1f, alpha.Values[0]);
        Assert.Equal(128 / 255f, alpha.Values[1], 3);
        var grey = MaskCodec.Decode(Png(new SKColor(51, 51, 51, 255)));
        Assert.Equal(0.2f, grey.Values[1], 3);
        Assert.Throws<ImageDecodeException>(() => MaskCodec.Decode([1, 2, 3, 4]));
    }
}
