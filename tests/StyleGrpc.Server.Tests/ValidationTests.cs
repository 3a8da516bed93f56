using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Requests the server refuses, and what it reports about itself: one shared server, nothing changes its state.</summary>
[Collection(ServerCollection.Name)]
public sealed class ValidationTests(SharedServer server) : IClassFixture<SharedServer>
{
    private ServerHost Host => server.Host;

    public static TheoryData<string, string> InvalidRequests => new()
    {
        { "bad-id", "style_name" },
        { "iterations", "options.iterations" },
        { "max-side", "options.max_side" },
        { "nan-weight", "options.style_weight" },
        { "undecodable", "content_image" },
        { "missing-style", "style" },
        { "preset", "options.preset" },
        { "previews", "options.preview_every" },
        { "blend-weight", "blend.components[1].weight" },
        { "blend-of-one", "blend.components" },
        { "blend-unknown", "blend.components[0].style" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Stylize_InvalidField_ReturnsInvalidArgumentNamingItInTheMessageAndTheDetail(string problem, string field)
    {
        var request = Frames.Request();
        switch (problem)
        {
            case "bad-id": request.StyleName = "Bad ID!"; break;
            case "iterations": request.Options.Iterations = 999_999; break;
            case "max-side": request.Options.MaxSide = 5; break;
            case "nan-weight": request.Options.StyleWeight = double.NaN; break;
            case "undecodable": request.ContentImage = ByteString.CopyFrom(new byte[500]); break;
            case "missing-style": request.ClearStyle(); break;
            case "preset": request.Options.Preset = "no-such-preset"; break;
            case "previews": request.Options.Iterations = 1000; request.Options.PreviewEvery = 1; break;
            case "blend-weight": request.Blend = Blend(("starry", 1), ("starry", double.NaN)); break;
            case "blend-of-one": request.Blend = Blend(("starry", 1)); break;
            case "blend-unknown": request.Blend = Blend(("Not An Id", 1), ("starry", 1)); break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(Host.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith(field + ":", ex.Status.Detail);
        var violation = Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        var errorInfo = ex.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!;
        Assert.Equal(("INVALID_FIELD", "stylegrpc", violation.Field), (errorInfo.Reason, errorInfo.Domain, errorInfo.Metadata["field"]));
        Assert.Equal(field, violation.Field);
        Assert.False(string.IsNullOrWhiteSpace(violation.Description));
    }

    [Theory]
    [InlineData("", "style_id")]
    [InlineData("UPPER", "style_id")]
    [InlineData("-leading-dash", "style_id")]
    public async Task RegisterStyle_BadId_ReturnsInvalidArgument(string id, string field)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Host.Client.RegisterStyleAsync(new RegisterStyleRequest
        {
            StyleId = id,
            Image = Frames.Image("starry_night.jpg"),
        }));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith(field + ":", ex.Status.Detail);
    }

    [Fact]
    public async Task RegisterStyle_UndecodableImage_ReturnsInvalidArgument()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Host.Client.RegisterStyleAsync(new RegisterStyleRequest
        {
            StyleId = "x",
            Image = ByteString.CopyFromUtf8("definitely not an image"),
        }));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("image:", ex.Status.Detail);
    }

    [Fact]
    public async Task Stylize_UnknownStyle_ReturnsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(Host.Client, Frames.Request("nope")));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("nope", ex.Status.Detail);
    }

    [Fact]
    public async Task Reflection_ListsTheService()
    {
        var reflection = new ServerReflection.ServerReflectionClient(Host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("stylegrpc.v1.StyleTransferService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task GetServerInfo_ReportsNetworkAndLimits()
    {
        var info = await Host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal("vgg19", info.Network.Name);
        Assert.False(info.Network.OfflineDefault);
        Assert.Equal("cpu", info.Device);
        Assert.Equal(256, info.Limits.MaxSide);
        Assert.Equal(4, info.Limits.QueueCapacity);
        Assert.Equal(30, info.Limits.StallTimeoutSeconds);
        Assert.Equal(3600, info.Limits.MaxRunSeconds);
        Assert.Equal(2, info.Limits.BufferedPreviews);
        Assert.True(info.Limits.MemoryBudgetBytes > 0);
        Assert.False(info.Draining);
        Assert.Contains("seed", info.Network.Presets);
        Assert.False(string.IsNullOrEmpty(info.Version));
        Assert.Contains(info.Network.Precision, new[] { "float32", "bfloat16" });
    }

    private static StyleBlend Blend(params (string Style, double Weight)[] parts)
    {
        var blend = new StyleBlend();
        blend.Components.AddRange(parts.Select(p => new StyleBlend.Types.Component { Style = p.Style, Weight = p.Weight }));
        return blend;
    }
}
