using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Engine;

[Collection(TorchCollection.Name)]
public sealed class CoarseToFineTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly StyleTransferOptions Small = new() { MaxSide = 64, Iterations = 10, RelativeTolerance = 0 };

    [Theory]
    [InlineData(200, 2)]
    [InlineData(512, 5)]
    [InlineData(1024, 7)]
    [InlineData(4096, 11)]
    public void Levels_AreRootTwoStepsDownTo128(int side, int levels) => Assert.Equal(levels, ScaleSchedule.Levels(side));

    [Fact]
    public void Plan_Automatic_Is128To512RootTwoApartAndSingleScaleBelow256()
    {
        var plan = ScaleSchedule.Plan(new StyleTransferOptions { MaxSide = 512, ScaleLevels = 0, Iterations = 300, CoarseIterations = 40 });
        Assert.Equal([128, 181, 256, 362, 512], plan.Select(l => l.MaxSide));
        Assert.Equal([40, 40, 40, 40, 300], plan.Select(l => l.Iterations));
        Assert.Equal(30, ScaleSchedule.Plan(new StyleTransferOptions { MaxSide = 512, ScaleLevels = 0, Iterations = 300 })[0].Iterations);
        Assert.Single(ScaleSchedule.Plan(new StyleTransferOptions { MaxSide = 255, ScaleLevels = 0 }));
    }

    [Fact]
    public void Plan_StyleSides_ScaleWithTheContentRoundedTo16AtCoarserLevels()
    {
        var plan = fixture.Engine.Plan(512, 384, new StyleTransferOptions { MaxSide = 512, ScaleLevels = 0 });
        Assert.Equal([128, 176, 256, 368, 512], plan.Levels.Select((_, i) => plan.StyleSide(512, i)));
        Assert.Equal([96, 128, 192, 272, 384], plan.Levels.Select((_, i) => plan.StyleSide(384, i)));
        Assert.Equal([(128, 96), (181, 136), (256, 192), (362, 272), (512, 384)], plan.Levels.Select(l => (l.Width, l.Height)));
    }

    [Fact]
    public void Plan_OfATiledCoarseToFineRun_SaysWhichLevelsAreTiledAndEstimatesTheLargest()
    {
        var plan = fixture.Engine.Plan(96, 96, Small with { MaxSide = 96, ScaleLevels = 3, TileSize = 48 });
        Assert.Equal([false, true, true], plan.Levels.Select(l => l.Tiled));
        Assert.True(plan.TileStride > 0 && plan.TileMargin > 0);
        Assert.All(plan.Levels.Where(l => l.Tiled), l => Assert.Equal(0, l.Width % plan.TileStride));
        Assert.True(plan.EstimatedBytes > MemoryModel.FixedBytes);
        // A plain record: it round-trips through JSON as the durable job stores it.
        var json = System.Text.Json.JsonSerializer.Serialize(plan);
        var back = System.Text.Json.JsonSerializer.Deserialize<RunPlan>(json)!;
        Assert.Equal(plan.Levels, back.Levels);
        Assert.Equal((plan.Preset, plan.EstimatedBytes, plan.Options.TileSize), (back.Preset, back.EstimatedBytes, back.Options.TileSize));
    }

    private IReadOnlyList<StyleTargets> LevelTargets(int styleSide, StyleTransferOptions options, RgbImage? content = null)
    {
        content ??= fixture.Content;
        return fixture.Engine.ComputeLevelTargets(fixture.Style, styleSide, fixture.Engine.Plan(content.Width, content.Height, options));
    }

    [Fact]
    public void ComputeLevelTargets_ScalesTheStyleWithTheContent()
    {
        var targets = LevelTargets(64, Small with { ScaleLevels = 3 });
        Assert.Equal([32, 48, 64], targets.Select(t => t.StyleWidth));
    }

    [Fact]
    public void Run_ThreeLevels_ReportsEachLevelAndEndsAtTheOutputSize()
    {
        var options = Small with { ScaleLevels = 3, Iterations = 4, CoarseIterations = 2, PreviewEvery = 1 };
        var targets = LevelTargets(64, options);
        var progress = new List<StyleTransferProgress>();

        var result = fixture.Engine.Run(fixture.Content, targets, fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, options), new RunInputs { OnProgress = progress.Add });

        Assert.Equal(8, result.IterationsRun);
        Assert.Equal(Enumerable.Range(1, 8), progress.Select(p => p.Iteration));
        Assert.Equal([1, 1, 2, 2, 3, 3, 3, 3], progress.Select(p => p.Scale));
        Assert.All(progress, p => Assert.Equal((3, 8), (p.Scales, p.TotalIterations)));
        Assert.Equal([32, 32, 45, 45, 64, 64, 64, 64], progress.Select(p => p.Side));
        Assert.Equal([32, 32, 45, 45, 64, 64, 64, 64], progress.Select(p => p.Preview!.Width));
        Assert.Equal((64, 64), (result.Image.Width, result.Image.Height));
        Assert.Equal((3, 2), (result.Record.ScaleLevels, result.Record.CoarseIterations));
        // The estimate weighs iterations by their level's pixels: after the coarse levels most of the work is still ahead.
        Assert.True(progress[3].EstimatedRemaining > progress[3].Elapsed, $"ETA {progress[3].EstimatedRemaining} after {progress[3].Elapsed}");
    }

    [Fact]
    public void Run_LevelsAboveTheTileSize_AreTiledAndTheOthersNot()
    {
        // 96 px with cores of 48: the 48 px level runs whole, the 68 and 96 px levels in tiles; the result is the output size.
        var options = Small with { MaxSide = 96, ScaleLevels = 3, Iterations = 2, CoarseIterations = 1, TileSize = 48 };
        var progress = new List<StyleTransferProgress>();
        var content = ImageCodec.Resize(fixture.Content, 96, 96);
        var result = fixture.Engine.Run(content, LevelTargets(96, options, content),
            fixture.Engine.Plan(content.Width, content.Height, options), new RunInputs { OnProgress = progress.Add });
        Assert.Equal(48, result.Record.TileSize);
        Assert.Equal(96, result.Image.Width);
        Assert.All(progress, p => Assert.True(double.IsFinite(p.TotalLoss)));
    }

    [Fact]
    public void Run_EachLevelMatchesItsOwnTargets()
    {
        // The coarse level's losses come from the coarse level's targets: other targets there change them, and the output.
        var options = Small with { ScaleLevels = 2, Iterations = 2, CoarseIterations = 2 };
        var scaled = LevelTargets(64, options);
        var coarse = new List<double>();
        var same = new List<double>();

        var a = fixture.Engine.Run(fixture.Content, scaled, fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, options),
            new RunInputs { OnProgress = p => { if (p.Scale == 1) coarse.Add(p.StyleLoss); } });
        var b = fixture.Engine.Run(fixture.Content, [scaled[1], scaled[1]], fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, options),
            new RunInputs { OnProgress = p => { if (p.Scale == 1) same.Add(p.StyleLoss); } });

        Assert.Equal(48, scaled[0].StyleWidth);
        Assert.NotEqual(coarse[0], same[0]);
        Assert.NotEqual(a.Image.Pixels, b.Image.Pixels);
    }

    [Fact]
    public void Run_LevelTargetsOfAnotherCount_IsRefusedNamingTheStyle()
    {
        var error = Assert.Throws<InvalidStyleOptionException>(() =>
            fixture.Engine.Run(fixture.Content, [fixture.Targets, fixture.Targets],
                fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, Small with { ScaleLevels = 3 })));
        Assert.Equal("Style", error.Field);
    }

    [Fact]
    public void Run_TimeLimitDuringACoarseLevel_EndsSoonAtTheOutputSize()
    {
        var options = Small with { ScaleLevels = 2, Iterations = 100_000, CoarseIterations = 100_000, TimeLimit = TimeSpan.FromMilliseconds(300) };
        var result = fixture.Engine.Run(fixture.Content, fixture.Targets, options);
        Assert.Equal((64, 64), (result.Image.Width, result.Image.Height));
        // The time limit stopped it (not the 100,000 iterations asked for at each level), and it still ended at the output size.
        Assert.True(result.Elapsed >= options.TimeLimit, $"ended after {result.Elapsed}, before its time limit");
        Assert.InRange(result.IterationsRun, 1, 99_999);
    }

    [Fact]
    public void Run_FourLevels_LeavesNoLiveTensors()
    {
        var options = Small with { ScaleLevels = 4, Iterations = 3, CoarseIterations = 3 };
        fixture.Engine.Run(fixture.Content, fixture.Targets, options with { Iterations = 1, CoarseIterations = 1 });
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        fixture.Engine.Run(fixture.Content, fixture.Targets, options);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Lbfgs_KnownCurvature_FirstStepLandsOnAQuadraticsMinimum()
    {
        // f(x) = 2‖x‖²: gradient 4x, inverse curvature 1/4. Carried over, it makes the first step exact; PyTorch's first
        // step (scaled by 1/‖g‖₁) barely moves.
        double SecondLoss(double? curvature)
        {
            using var scope = NewDisposeScope();
            using var image = new TorchSharp.Modules.Parameter(full(1, 3, 8, 8, 0.5f), requires_grad: true);
            using var optimizer = new LbfgsOptimizer(image, 1.0, curvature: curvature);
            StepLosses Evaluate()
            {
                image.grad?.zero_();
                var loss = image.square().sum().mul(2);
                loss.backward();
                var value = loss.item<float>();
                return new StepLosses(0, 0, 0, value);
            }
            optimizer.Step(Evaluate);
            return optimizer.Step(Evaluate).Total;
        }
        Assert.True(SecondLoss(0.25) < 1e-6, $"warm: {SecondLoss(0.25)}");
        Assert.True(SecondLoss(null) > 0.5 * 2 * 0.25 * 192, $"cold: {SecondLoss(null)}");
    }
}
