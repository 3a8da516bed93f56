using Grpc.Core;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Tiled jobs through the server: asked for, or chosen automatically above a size.</summary>
[Collection(ServerCollection.Name)]
public sealed class TilingTests
{
    [Fact]
    public async Task Stylize_TileSizeGivenOrAutomatic_RunsTiledAndSaysSo()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:TileAbove"] = "96",
            ["StyleGrpc:TileSize"] = "64",
        });
        await Frames.RegisterStarryAsync(host);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal((96, 64), (info.Limits.TileAbove, info.Limits.TileSize));

        var asked = Frames.Request(iterations: 2, maxSide: 128);
        asked.Options.TileSize = 48;
        var explicitFrames = await Frames.CollectAsync(host.Client, asked);
        var automatic = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2, maxSide: 128));
        var small = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2, maxSide: 64));

        Assert.Equal(48, explicitFrames[^1].Result.Reproducibility.TileSize);
        Assert.Equal(64, automatic[^1].Result.Reproducibility.TileSize);
        Assert.Equal(0, small[^1].Result.Reproducibility.TileSize);
        foreach (var frames in new[] { explicitFrames, automatic })
        {
            var started = frames.Single(f => f.Started is not null).Started;
            var image = ImageCodec.Decode(frames[^1].Result.Image.Data.ToByteArray());
            Assert.Equal((started.Width, started.Height), (image.Width, image.Height));
            Assert.Equal(128, image.Width);
        }
    }

    [Fact]
    public async Task Stylize_TileSizeOutOfRange_ReturnsInvalidArgumentNamingIt()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request();
        request.Options.TileSize = 8;

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("options.tile_size:", ex.Status.Detail);
    }
}
