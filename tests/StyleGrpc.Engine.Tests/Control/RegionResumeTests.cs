using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Engine.Tests.Engine;

namespace StyleGrpc.Engine.Tests.Control;

/// <summary>Regions through coarse-to-fine and a checkpoint: masks are inputs, scaled per level; resuming gives the same image.</summary>
[Collection(TorchCollection.Name)]
public sealed class RegionResumeTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    [Fact]
    public void Resume_AdamTwoLevelsWithARegion_EndsOnTheUninterruptedImage()
    {
        var engine = fixture.Engine;
        // A 32×32 mask for a 64×64 photo: scaled to each level (the coarse one is smaller than the mask, the last larger).
        var values = new float[32 * 32];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i % 32 < 16 ? 1 : 0;
        }
        var options = new StyleTransferOptions
        {
            MaxSide = 64, Iterations = 12, CoarseIterations = 4, ScaleLevels = 2, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0, Seed = 2,
            Regions = [new RegionOptions(32, 32, 2)],
        };
        var plan = engine.Plan(64, 64, options);
        var other = engine.ComputeLevelTargets(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("the_scream.jpg")), long.MaxValue, 64), 64, plan);
        var own = engine.ComputeLevelTargets(fixture.Style, 64, plan);
        StyleRegion[] regions = [new(new RegionMask(32, 32, values), other, 2, "scream", "abc")];
        var whole = engine.Run(fixture.Content, own, plan, new RunInputs { Regions = regions });
        var plain = engine.Run(fixture.Content, own, plan with { Options = plan.Options with { Regions = null } });

        RunCheckpoint? saved = null;
        using var cts = new CancellationTokenSource();
        var checkpointing = new RunCheckpointing
        {
            IsDue = p => p.Iteration == 10,
            OnCheckpoint = c =>
            {
                if (c.Iteration == 10 && c.LevelIteration > 0)
                {
                    saved = c;
                    cts.Cancel();
                }
            },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => engine.Run(fixture.Content, own, plan, new RunInputs { Regions = regions, Checkpointing = checkpointing }, cts.Token));
        var seen = new List<int>();
        var resumed = engine.Run(fixture.Content, own, plan,
            new RunInputs { Regions = regions, OnProgress = p => seen.Add(p.Iteration), Checkpointing = new RunCheckpointing { ResumeFrom = saved } });

        Assert.Equal((2, 1), (plan.Levels.Count, saved!.Level));
        Assert.Equal([11, 12, 13, 14, 15, 16], seen);
        Assert.Equal(whole.Image.Pixels, resumed.Image.Pixels);
        Assert.NotEqual(plain.Image.Pixels, whole.Image.Pixels);
        Assert.Equal(new RegionRecord("abc", "scream", 2, 0.5), resumed.Record.Regions.Single());
    }

    [Fact]
    public void Run_RegionsTheirPlanDoesNotHave_IsRefusedNamingRegions()
    {
        var plan = fixture.Engine.Plan(64, 64, new StyleTransferOptions { MaxSide = 64, Iterations = 1 });
        var ex = Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Run(fixture.Content, [fixture.Targets], plan,
            new RunInputs { Regions = [new StyleRegion(RegionMask.Uniform(8, 8, 1), [fixture.Targets])] }));
        Assert.Equal("Regions", ex.Field);
    }
}
