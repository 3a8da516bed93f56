extern alias server;

using Google.Protobuf;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;
using server::StyleGrpc.Server.Model;
using server::StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Tests;

/// <summary>One plan per job: made once, and the one rule for style sides shared by inline and registered styles.</summary>
[Collection(ServerCollection.Name)]
public sealed class RunPlanTests
{
    // 128 px in three levels (64, 91 and 128 px) with 64 px tile cores: the two larger levels are tiled.
    private static StylizeRequest CoarseToFineTiled(StylizeRequest request)
    {
        request.Options.MaxSide = 128;
        request.Options.ScaleLevels = 3;
        request.Options.CoarseIterations = 1;
        request.Options.Iterations = 2;
        request.Options.TileSize = 64;
        return request;
    }

    [Fact]
    public async Task Stylize_CoarseToFineTiled_MakesExactlyOnePlan()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var engine = host.Services.GetRequiredService<ModelHost>().Engine;
        var before = engine.PlansMade;

        var frames = await Frames.CollectAsync(host.Client, CoarseToFineTiled(Frames.Request()));

        var record = frames[^1].Result.Reproducibility;
        Assert.Equal([false, true, true], record.Levels.Select(l => l.Tiled));
        Assert.Equal(128, record.Levels[^1].Width);
        Assert.Equal(64, record.TileSize);
        Assert.True(record.EstimatedBytes > 0);
        Assert.Equal(frames.Single(f => f.Started is not null).Started.EstimatedMemoryBytes, record.EstimatedBytes);
        Assert.Equal(1, engine.PlansMade - before);
    }

    [Fact]
    public async Task InlineStyleAndTheSameImageRegistered_GiveTheSameTargetsAtEveryLevel()
    {
        await using var host = await ServerHost.StartAsync();
        // Registered at 64 px; inline at half of a 128 px output: the same style side at the output size.
        await Frames.RegisterStarryAsync(host, styleSize: 64);
        var engine = host.Services.GetRequiredService<ModelHost>().Engine;
        var image = File.ReadAllBytes(TestData.Image("starry_night.jpg"));
        var plan = engine.Plan(1024, 768, new StyleTransferOptions { MaxSide = 128, ScaleLevels = 4 });
        using var timeout = new CancellationTokenSource(Frames.Timeout);
        // The photo matters only under colour control that depends on it; this plan has none.
        var photo = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg")), long.MaxValue, 128);

        var registered = await new RegisteredStyles([("starry", 1.0)]).ResolveAsync(host.Registry, engine, plan, photo, timeout.Token);
        var inline = await new InlineStyle(image, ImageCodec.ReadHeader(image), 0.5).ResolveAsync(host.Registry, engine, plan, photo, timeout.Token);

        Assert.Equal(4, registered.Count);
        // 45, 64, 91 and 128 px levels: the style at 16, 32, 48 and 64 px.
        Assert.Equal([16, 32, 48, 64], registered.Select(t => Math.Max(t.StyleWidth, t.StyleHeight)));
        for (var level = 0; level < plan.Levels.Count; level++)
        {
            Assert.Equal((registered[level].StyleWidth, registered[level].StyleHeight), (inline[level].StyleWidth, inline[level].StyleHeight));
            foreach (var layer in plan.StyleLayers)
            {
                Assert.Equal(registered[level].Find(layer.Layer)!.Gram, inline[level].Find(layer.Layer)!.Gram);
            }
        }
    }

    [Fact]
    public async Task Stylize_InlineStyleAndTheSameImageRegistered_GiveTheSameImageCoarseToFine()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host, styleSize: 64);
        var byName = CoarseToFineTiled(Frames.Request());
        var inline = CoarseToFineTiled(Frames.Request(styleId: null));
        inline.StyleImage = ByteString.CopyFrom(File.ReadAllBytes(TestData.Image("starry_night.jpg")));
        inline.Options.StyleScale = 0.5;

        var a = await Frames.CollectAsync(host.Client, byName);
        var b = await Frames.CollectAsync(host.Client, inline);

        Assert.Equal(a[^1].Result.Image.Data, b[^1].Result.Image.Data);
    }
}
