using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Engine.Tests.Engine;

namespace StyleGrpc.Engine.Tests.FeedForward;

[Collection(TorchCollection.Name)]
public sealed class FeedForwardInitTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private static readonly StyleTransferOptions Small = new()
    {
        MaxSide = 64, Iterations = 3, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0, Init = InitKind.FeedForward,
    };

    // A start image of another size than the run's (the run scales it).
    private RgbImage Start => ImageCodec.Resize(fixture.Style, 80, 80);

    [Fact]
    public void Run_FeedForwardInit_FirstIterationsLossIsTheStartImagesMeasure()
    {
        var plan = fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, Small);
        var seen = new List<StyleTransferProgress>();
        var result = fixture.Engine.Run(fixture.Content, [fixture.Targets], plan, new RunInputs { OnProgress = seen.Add, Start = Start }, CancellationToken.None);

        var scaled = ImageCodec.Resize(Start, plan.Width, plan.Height);
        var measured = fixture.Engine.Measure(scaled, fixture.Content, fixture.Targets, Small);
        var fromContent = fixture.Engine.Measure(ImageCodec.Resize(fixture.Content, plan.Width, plan.Height), fixture.Content, fixture.Targets, Small);
        Assert.Equal(measured.Total, seen[0].TotalLoss, measured.Total * 1e-5);
        Assert.NotEqual(fromContent.Total, seen[0].TotalLoss, fromContent.Total * 1e-3);
        Assert.Equal(InitKind.FeedForward, result.Record.Init);
        Assert.Equal(3, result.IterationsRun);
    }

    [Fact]
    public void Run_FeedForwardInitWithLuminanceOnly_StartsFromTheStartImagesLuminance()
    {
        // A luminance-only run optimises a grey image: a colour start is taken as its luminance, exactly as a grey one.
        var options = Small with { Iterations = 1, ColourControl = ColourControl.LuminanceOnly };
        var plan = fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, options);
        var grey = ColourTransfer.ContentForRun(Start, ColourControl.LuminanceOnly);
        var fromColour = new List<StyleTransferProgress>();
        var fromGrey = new List<StyleTransferProgress>();

        fixture.Engine.Run(fixture.Content, [fixture.Targets], plan, new RunInputs { OnProgress = fromColour.Add, Start = Start }, CancellationToken.None);
        fixture.Engine.Run(fixture.Content, [fixture.Targets], plan, new RunInputs { OnProgress = fromGrey.Add, Start = grey }, CancellationToken.None);

        Assert.NotEqual(Start.Pixels, grey.Pixels);
        Assert.Equal(fromGrey[0].TotalLoss, fromColour[0].TotalLoss, fromGrey[0].TotalLoss * 1e-6);
    }

    [Fact]
    public async Task RunOnWorker_FeedForwardInit_StartsFromTheStartImage()
    {
        var plan = fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, Small with { Iterations = 1 });
        var seen = new List<StyleTransferProgress>();
        await fixture.Engine.RunOnWorkerAsync(fixture.Content, [fixture.Targets], plan, new RunInputs { OnProgress = seen.Add, Start = Start }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(1));
        var measured = fixture.Engine.Measure(ImageCodec.Resize(Start, plan.Width, plan.Height), fixture.Content, fixture.Targets, Small);
        Assert.Equal(measured.Total, Assert.Single(seen).TotalLoss, measured.Total * 1e-5);
    }

    [Fact]
    public void Run_FeedForwardInitWithoutStart_NamesInit()
    {
        var plan = fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, Small);
        Assert.Equal("Init", Assert.Throws<InvalidStyleOptionException>(() =>
            fixture.Engine.Run(fixture.Content, [fixture.Targets], plan, new RunInputs { Start = null }, CancellationToken.None)).Field);
        Assert.Equal("Init", Assert.Throws<InvalidStyleOptionException>(() => fixture.Engine.Run(fixture.Content, fixture.Targets, Small)).Field);
    }

    [Fact]
    public void Run_ContentInitWithAStart_IgnoresTheStart()
    {
        var options = Small with { Init = InitKind.Content, Iterations = 1 };
        var plan = fixture.Engine.Plan(fixture.Content.Width, fixture.Content.Height, options);
        var seen = new List<StyleTransferProgress>();
        fixture.Engine.Run(fixture.Content, [fixture.Targets], plan, new RunInputs { OnProgress = seen.Add, Start = Start }, CancellationToken.None);
        var measured = fixture.Engine.Measure(ImageCodec.Resize(fixture.Content, plan.Width, plan.Height), fixture.Content, fixture.Targets, options);
        Assert.Equal(measured.Total, Assert.Single(seen).TotalLoss, measured.Total * 1e-5);
    }
}
