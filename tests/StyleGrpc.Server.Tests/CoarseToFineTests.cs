using Grpc.Core;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Coarse-to-fine jobs through the server: automatic from a configured side, levels reported, coarse targets stored once.</summary>
[Collection(ServerCollection.Name)]
public sealed class CoarseToFineTests
{
    [Fact]
    public async Task Stylize_AutomaticFromTheConfiguredSide_RunsLevelsAndComputesCoarseTargetsOnce()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:CoarseToFineFrom"] = "160" });
        await Frames.RegisterStarryAsync(host);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal(160, info.Limits.CoarseToFineFrom);
        Assert.Equal(1, host.Registry.TargetsComputed);

        var request = Frames.Request(iterations: 2, maxSide: 192);
        request.Options.CoarseIterations = 1;
        var first = await Frames.CollectAsync(host.Client, request);
        var again = await Frames.CollectAsync(host.Client, request);
        var below = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2, maxSide: 128));

        // 192 px: levels of 136 and 192 px, one iteration at the first and two at the second.
        Assert.Equal(3, first.Single(f => f.Started is not null).Started.TotalIterations);
        var last = first.Last(f => f.Progress is not null).Progress;
        Assert.Equal((2, 2, 192), (last.Level, last.Levels, last.LevelSide));
        var result = first[^1].Result;
        Assert.Equal((2, 1, 3), (result.Reproducibility.ScaleLevels, result.Reproducibility.CoarseIterations, result.IterationsRun));
        Assert.Equal(192, ImageCodec.Decode(result.Image.Data.ToByteArray()).Width);
        Assert.Equal(first[^1].Result.Image.Data, again[^1].Result.Image.Data);
        // The coarse level's targets (the style at 48 px rather than 64) were computed by the first job only, and stored.
        Assert.Equal(2, host.Registry.TargetsComputed);
        Assert.Equal(2, (await host.Registry.GetAsync("starry", CancellationToken.None)).Targets.Count);
        Assert.Equal(1, below[^1].Result.Reproducibility.ScaleLevels);
    }

    [Fact]
    public async Task Stylize_ByDefaultSingleScale_ZeroAutomaticAndCountsAsAsked()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        var unset = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 1, maxSide: 256));
        var automatic = Frames.Request(iterations: 1, maxSide: 256);
        automatic.Options.ScaleLevels = 0;
        automatic.Options.CoarseIterations = 1;
        var three = Frames.Request(iterations: 1, maxSide: 96);
        three.Options.ScaleLevels = 3;
        three.Options.CoarseIterations = 1;

        var automaticFrames = await Frames.CollectAsync(host.Client, automatic);
        var threeFrames = await Frames.CollectAsync(host.Client, three);

        Assert.Equal(0, info.Limits.CoarseToFineFrom);
        Assert.Equal(1, unset[^1].Result.Reproducibility.ScaleLevels);
        // 256 px: levels of 128, 181 and 256 px.
        Assert.Equal((3, 3), (automaticFrames[^1].Result.Reproducibility.ScaleLevels, automaticFrames[^1].Result.IterationsRun));
        Assert.Equal((3, 3), (threeFrames[^1].Result.Reproducibility.ScaleLevels, threeFrames[^1].Result.IterationsRun));
    }

    [Fact]
    public async Task Stylize_TooManyLevels_ReturnsInvalidArgumentNamingTheField()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request();
        request.Options.ScaleLevels = 13;

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("options.scale_levels:", ex.Status.Detail);
    }
}
