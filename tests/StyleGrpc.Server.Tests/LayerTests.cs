using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Explicit content and style layers with weights, beside the presets.</summary>
[Collection(ServerCollection.Name)]
public sealed class LayerTests
{
    private static StylizeRequest WithLayers(string styleId, (string Layer, double Weight)[] content, (string Layer, double Weight)[] style)
    {
        var request = Frames.Request(styleId, iterations: 3);
        request.Options.ContentLayers.AddRange(content.Select(l => new LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        request.Options.StyleLayers.AddRange(style.Select(l => new LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        return request;
    }

    [Fact]
    public async Task Stylize_ExplicitLayers_AreUsedAndRecorded()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var frames = await Frames.CollectAsync(host.Client, WithLayers("starry", [("relu2_2", 1)], [("relu1_1", 1), ("relu2_1", 0.5)]));
        var preset = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 3));

        var record = frames[^1].Result.Reproducibility;
        Assert.Equal([("relu2_2", 1.0)], record.ContentLayers.Select(l => (l.Layer, l.Weight)));
        Assert.Equal([("relu1_1", 1.0), ("relu2_1", 0.5)], record.StyleLayers.Select(l => (l.Layer, l.Weight)));
        Assert.NotEqual(preset[^1].Result.Image.Data, frames[^1].Result.Image.Data);
        // Layers the registration's preset covers reuse its targets: nothing was computed for the job.
        Assert.Equal(1, host.Registry.TargetsComputed);
    }

    [Fact]
    public async Task Stylize_LayersTheStyleWasNotRegisteredWith_ComputesThemOnceAndStoresThem()
    {
        var data = TestData.NewTempDirectory();
        var request = WithLayers("starry", [("conv2_2", 1)], [("conv1_1", 1), ("conv2_1", 1)]);
        await using (var host = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(host);
            await Frames.CollectAsync(host.Client, request);
            await Frames.CollectAsync(host.Client, request);
            Assert.Equal(2, host.Registry.TargetsComputed);
        }
        await using var again = await ServerHost.StartAsync(dataDirectory: data);
        await Frames.CollectAsync(again.Client, request);
        Assert.Equal(0, again.Registry.TargetsComputed);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(again.FileStore.Root, "starry", "targets")).Length);
    }

    [Theory]
    [InlineData("style", "relu9_9", 1.0, "options.style_layers[0].layer")]
    [InlineData("content", "pool1x", 1.0, "options.content_layers[0].layer")]
    [InlineData("style", "relu1_1", -1.0, "options.style_layers[0].weight")]
    public async Task Stylize_UnknownLayerOrBadWeight_ReturnsInvalidArgumentNamingIt(string kind, string layer, double weight, string field)
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var request = kind == "style" ? WithLayers("starry", [], [(layer, weight)]) : WithLayers("starry", [(layer, weight)], []);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith(field + ":", ex.Status.Detail);
    }
}
