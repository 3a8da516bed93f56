extern alias server;

using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class StyleRegistryTests
{
    [Fact]
    public async Task RegisterStyle_ThenListAndGet_ReturnTheResource()
    {
        await using var host = await ServerHost.StartAsync();
        var style = await Frames.RegisterStarryAsync(host);

        Assert.Equal("styles/starry", style.Name);
        Assert.Equal("The Starry Night", style.DisplayName);
        Assert.True(style.Width > 0 && style.Height > 0);
        Assert.Equal(64, style.StyleSize);
        Assert.Equal("seed", style.Preset);
        Assert.Contains("conv3_1", style.Layers);
        Assert.Equal(64, style.ImageSha256.Length);
        Assert.True(style.SizeBytes > new FileInfo(TestData.Image("starry_night.jpg")).Length);
        Assert.StartsWith("vgg19", style.Network);

        var list = await host.Client.ListStylesAsync(new ListStylesRequest());
        Assert.Equal(["starry"], list.Styles.Select(s => s.StyleId));
        var got = await host.Client.GetStyleAsync(new GetStyleRequest { Name = "styles/starry" });
        Assert.Equal(style, got);
    }

    [Fact]
    public async Task ListStyles_Paginates()
    {
        await using var host = await ServerHost.StartAsync();
        foreach (var id in new[] { "c", "a", "b" })
        {
            await Frames.RegisterStarryAsync(host, id, 32);
        }
        var first = await host.Client.ListStylesAsync(new ListStylesRequest { PageSize = 2 });
        Assert.Equal(["a", "b"], first.Styles.Select(s => s.StyleId));
        Assert.Equal(3, first.TotalSize);
        var second = await host.Client.ListStylesAsync(new ListStylesRequest { PageSize = 2, PageToken = first.NextPageToken });
        Assert.Equal(["c"], second.Styles.Select(s => s.StyleId));
        Assert.Equal("", second.NextPageToken);
    }

    [Fact]
    public async Task RegisterStyle_ExistingId_FailsUnlessReplace()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.RegisterStarryAsync(host));
        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);

        var replaced = await host.Client.RegisterStyleAsync(new RegisterStyleRequest
        {
            StyleId = "starry",
            Image = Frames.Image("the_scream.jpg"),
            StyleSize = 48,
            Replace = true,
        });
        Assert.Equal(48, replaced.StyleSize);
        Assert.Equal("starry", replaced.DisplayName);
    }

    [Fact]
    public async Task DeleteStyle_RemovesItAndItsFiles()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        await host.Client.DeleteStyleAsync(new DeleteStyleRequest { Name = "starry" });
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.GetStyleAsync(new GetStyleRequest { Name = "styles/starry" }));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(host.FileStore.Root, "starry")));
        var again = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.DeleteStyleAsync(new DeleteStyleRequest { Name = "starry" }));
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Restart_SameDataDirectory_KeepsStylesWithoutRecomputing()
    {
        var data = TestData.NewTempDirectory();
        await using (var first = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(first);
            Assert.Equal(1, first.Registry.TargetsComputed);
        }
        await using var second = await ServerHost.StartAsync(dataDirectory: data);
        var style = await second.Client.GetStyleAsync(new GetStyleRequest { Name = "styles/starry" });
        Assert.Equal("The Starry Night", style.DisplayName);

        var frames = await Frames.CollectAsync(second.Client, Frames.Request());

        Assert.Equal(StylizeResponse.FrameOneofCase.Result, frames[^1].FrameCase);
        Assert.Equal(0, second.Registry.TargetsComputed);
    }

    [Theory]
    [InlineData("truncated-metadata")]
    [InlineData("flipped-image-byte")]
    public async Task Restart_DamagedEntry_IsQuarantinedCountedAndKeptThroughReRegistration(string damage)
    {
        var data = TestData.NewTempDirectory();
        string damagedDir;
        await using (var first = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(first, "good");
            await Frames.RegisterStarryAsync(first, "bad");
            damagedDir = Path.Combine(first.FileStore.Root, "bad");
        }
        if (damage == "truncated-metadata")
        {
            var json = await File.ReadAllBytesAsync(Path.Combine(damagedDir, "style.json"));
            await File.WriteAllBytesAsync(Path.Combine(damagedDir, "style.json"), json[..(json.Length / 2)]);
        }
        else
        {
            var image = await File.ReadAllBytesAsync(Path.Combine(damagedDir, "image"));
            image[image.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(Path.Combine(damagedDir, "image"), image);
        }

        await using var second = await ServerHost.StartAsync(dataDirectory: data);

        var moved = Assert.Single(second.FileStore.Quarantined);
        Assert.StartsWith(Path.Combine(data, "data", "quarantine", "bad-"), moved);
        Assert.False(Directory.Exists(damagedDir));
        var info = await second.Client.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal(1, info.QuarantinedStyles);
        Assert.Equal(1, info.Styles);
        var list = await second.Client.ListStylesAsync(new ListStylesRequest());
        Assert.Equal(["good"], list.Styles.Select(s => s.StyleId));
        var frames = await Frames.CollectAsync(second.Client, Frames.Request("good"));
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, frames[^1].FrameCase);

        // Registering the ID again must not destroy the evidence.
        await Frames.RegisterStarryAsync(second, "bad");
        Assert.True(File.Exists(Path.Combine(moved, "style.json")));
    }

    [Fact]
    public async Task Restart_TamperedTargets_AreRecomputedFromStoredImage()
    {
        var data = TestData.NewTempDirectory();
        string targets;
        await using (var first = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(first);
            targets = Directory.GetFiles(Path.Combine(first.FileStore.Root, "starry", "targets")).Single();
        }
        var bytes = await File.ReadAllBytesAsync(targets);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(targets, bytes);

        await using var second = await ServerHost.StartAsync(dataDirectory: data);
        var frames = await Frames.CollectAsync(second.Client, Frames.Request());

        Assert.Equal(StylizeResponse.FrameOneofCase.Result, frames[^1].FrameCase);
        Assert.Equal(1, second.Registry.TargetsComputed);
    }

    [Fact]
    public async Task Restart_OnAnotherNetwork_RecomputesTargetsOnceFromStoredImage()
    {
        var data = TestData.NewTempDirectory();
        await using (var first = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(first);
        }
        var offlineDefault = new Dictionary<string, string?>
        {
            ["StyleGrpc:Vgg19WeightsPath"] = "",
            ["StyleGrpc:ModelsDirectory"] = Path.Combine(data, "no-models"),
        };
        await using var second = await ServerHost.StartAsync(offlineDefault, dataDirectory: data);

        var first64 = await Frames.CollectAsync(second.Client, Frames.Request(iterations: 2));
        var again = await Frames.CollectAsync(second.Client, Frames.Request(iterations: 2));

        Assert.Equal("resnet18-onnx", first64[^1].Result.Reproducibility.Network);
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, again[^1].FrameCase);
        Assert.Equal(1, second.Registry.TargetsComputed);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(second.FileStore.Root, "starry", "targets")).Length);
    }
}
