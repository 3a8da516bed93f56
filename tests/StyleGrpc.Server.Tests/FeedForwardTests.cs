using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.LongRunning;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// Instant styles on one server (file store): a style's network trained as an operation, stored with the style, served by
/// METHOD_FEED_FORWARD and INIT_FEED_FORWARD, dropped by re-registering; and the refusals.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FeedForwardTests
{
    [Fact]
    public async Task TrainStyleNetwork_FewIterations_EndsReady_ThenFeedForwardAnswersAtOnce_AndSurvivesARestart()
    {
        var data = TestData.NewTempDirectory();
        // Outputs above 64 px are tiled, so the 96 px feed-forward result below is computed tile by tile.
        var settings = Training.Settings(("StyleGrpc:TileAbove", "64"), ("StyleGrpc:TileSize", "64"));
        Style trained;
        await using (var host = await ServerHost.StartAsync(settings, data))
        {
            var operations = new Operations.OperationsClient(host.Channel);
            await Frames.RegisterStarryAsync(host);

            var submitted = await host.Client.TrainStyleNetworkAsync(Training.Request(iterations: 10));
            var training = await host.Client.GetStyleAsync(new GetStyleRequest { Name = "starry" });
            var done = await Training.DoneAsync(operations, submitted.Name);

            // The style says TRAINING by this operation while it runs; the operation ends with the updated style.
            Assert.Equal(FeedForwardNetwork.Types.State.Training, training.FeedForward.State);
            Assert.Equal(submitted.Name, training.FeedForward.OperationName);
            Assert.Equal(Operation.ResultOneofCase.Response, done.ResultCase);
            var metadata = done.Metadata.Unpack<TrainStyleNetworkMetadata>();
            Assert.Equal((StylizeMetadata.Types.State.Succeeded, "styles/starry", 10, 10, 1), (metadata.State, metadata.StyleName, metadata.Iteration, metadata.TotalIterations, metadata.Attempt));
            Assert.True(metadata.Losses.Total > 0);
            trained = done.Response.Unpack<Style>();
            Assert.Equal(FeedForwardNetwork.Types.State.Ready, trained.FeedForward.State);
            Assert.Equal((1, 10, 64, submitted.Name), (trained.FeedForward.Version, trained.FeedForward.Iterations, trained.FeedForward.ImageSize, trained.FeedForward.OperationName));
            Assert.Equal(trained.Network, trained.FeedForward.Network);
            Assert.True(trained.FeedForward.SizeBytes > 0);
            Assert.Equal(trained.FeedForward.SizeBytes, new FileInfo(Path.Combine(data, "data", "styles", "starry", "feedforward.bin")).Length);
            var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
            Assert.Equal((true, TrainingPhotosFolder.Count), (info.FeedForwardAvailable, info.TrainingPhotos));

            await AssertFeedForwardAsync(host, version: 1);

            // INIT_FEED_FORWARD: optimisation starts from the network's output.
            var refine = Frames.Request(iterations: 3, maxSide: 64);
            refine.Options.Init = Init.FeedForward;
            var refined = (await Frames.CollectAsync(host.Client, refine))[^1].Result;
            Assert.Equal((Init.FeedForward, 1, 3), (refined.Reproducibility.Init, refined.Reproducibility.FeedForwardVersion, refined.IterationsRun));
            // Its memory estimate holds the network's pass as well as the optimisation.
            Assert.True(refined.Reproducibility.EstimatedBytes >= FeedForwardModel.EstimatedBytes(refined.Image.Width, refined.Image.Height, refined.Reproducibility.TileSize),
                $"estimated {refined.Reproducibility.EstimatedBytes} bytes");
        }

        // The network was stored with the style: a new process serves it.
        await using (var again = await ServerHost.StartAsync(settings, data))
        {
            Assert.Equal(trained.FeedForward, (await again.Client.GetStyleAsync(new GetStyleRequest { Name = "starry" })).FeedForward);
            await AssertFeedForwardAsync(again, version: 1);

            // Re-registering the style drops its network.
            var replaced = await again.Client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("the_scream.jpg"), StyleSize = 64, Replace = true });
            Assert.Equal(FeedForwardNetwork.Types.State.None, replaced.FeedForward.State);
            Assert.False(File.Exists(Path.Combine(data, "data", "styles", "starry", "feedforward.bin")));
            var refused = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(again.Client, Training.FeedForward()));
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.StartsWith("options.method:", refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CancelOperation_StopsATraining_TheOperationEndsCancelled_AndTheStyleSaysFailed()
    {
        await using var host = await ServerHost.StartAsync(Training.Settings());
        var operations = new Operations.OperationsClient(host.Channel);
        await Frames.RegisterStarryAsync(host);
        var submitted = await host.Client.TrainStyleNetworkAsync(Training.Request(iterations: 5000));
        await Training.MetadataWhenAsync(operations, submitted.Name, m => m.Iteration > 0);

        // A second training of the same style while this one runs is refused.
        var twice = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.TrainStyleNetworkAsync(Training.Request(iterations: 5)));
        await operations.CancelOperationAsync(new CancelOperationRequest { Name = submitted.Name });
        var done = await Training.DoneAsync(operations, submitted.Name);
        var style = await host.Client.GetStyleAsync(new GetStyleRequest { Name = "starry" });

        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
        Assert.Contains(submitted.Name, twice.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((int)StatusCode.Cancelled, done.Error.Code);
        var metadata = done.Metadata.Unpack<TrainStyleNetworkMetadata>();
        Assert.Equal(StylizeMetadata.Types.State.Cancelled, metadata.State);
        Assert.True(metadata.Iteration < 5000);
        Assert.Equal(FeedForwardNetwork.Types.State.Failed, style.FeedForward.State);
        Assert.NotEmpty(style.FeedForward.Error);
    }

    [Fact]
    public async Task Refusals_NameTheFieldAndTheState()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);

        // No photos on this server: nothing can train.
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        var noPhotos = await Refused(() => host.Client.TrainStyleNetworkAsync(Training.Request(iterations: 5)).ResponseAsync);
        var unknown = await Refused(() => host.Client.TrainStyleNetworkAsync(Training.Request(iterations: 5, style: "nope")).ResponseAsync);
        // Bad values name the request's field (checked before the photos are).
        var badSize = Training.Request(iterations: 5);
        badSize.ImageSize = 32;
        var badBatch = Training.Request(iterations: 5);
        badBatch.BatchSize = 99;
        var badIterations = Training.Request(iterations: -1);
        var badWeight = Training.Request(iterations: 5);
        badWeight.StyleWeight = -1;
        // Feed-forward without a network, and where no network can be.
        var init = Frames.Request(maxSide: 64);
        init.Options.Init = Init.FeedForward;
        var inline = Training.FeedForward();
        inline.StyleImage = Frames.Image("starry_night.jpg");
        var blend = Training.FeedForward();
        blend.Blend = new StyleBlend { Components = { new StyleBlend.Types.Component { Style = "starry", Weight = 1 }, new StyleBlend.Types.Component { Style = "starry", Weight = 2 } } };

        Assert.Equal((false, 0), (info.FeedForwardAvailable, info.TrainingPhotos));
        Assert.Equal(StatusCode.FailedPrecondition, noPhotos.StatusCode);
        Assert.Contains("StyleGrpc:Training:ContentDirectory", noPhotos.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        foreach (var (request, field) in new[] { (badSize, "image_size"), (badBatch, "batch_size"), (badIterations, "iterations"), (badWeight, "style_weight") })
        {
            var error = await Refused(() => host.Client.TrainStyleNetworkAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
        }
        foreach (var (request, code, field) in new[]
        {
            (Training.FeedForward(), StatusCode.FailedPrecondition, "options.method"),
            (init, StatusCode.FailedPrecondition, "options.init"),
            (inline, StatusCode.InvalidArgument, "options.method"),
            (blend, StatusCode.InvalidArgument, "options.method"),
        })
        {
            var error = await Refused(() => Frames.CollectAsync(host.Client, request));
            Assert.Equal(code, error.StatusCode);
            Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HttpRoute_PostStylesIdTrain_StartsTheOperation_WhichEndsWithTheStyle()
    {
        var (host, http) = await HttpApiTests.StartAsync(Training.Settings());
        await using var _ = host;
        using var __ = http;
        await Frames.RegisterStarryAsync(host);

        var posted = await http.PostAsJsonAsync("/v1/styles/starry:train", new { iterations = 3, imageSize = 64, batchSize = 1 });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var name = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["name"]!.GetValue<string>();
        await Training.DoneAsync(new Operations.OperationsClient(host.Channel), name);
        var operation = await http.GetFromJsonAsync<JsonObject>("/v1/" + name);

        Assert.True(operation!["done"]!.GetValue<bool>());
        Assert.True(operation["error"] is null, operation.ToJsonString());
        Assert.Equal("type.googleapis.com/stylegrpc.v1.TrainStyleNetworkMetadata", operation["metadata"]!["@type"]!.GetValue<string>());
        Assert.Equal("READY", operation["response"]!["feedForward"]!["state"]!.GetValue<string>());
        var unknown = await http.PostAsJsonAsync("/v1/styles/nope:train", new { });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task TrainStyleNetwork_WithAUserKey_IsPermissionDenied_AndGetServerInfoSaysEachKeysRole()
    {
        const string admin = "sgk_ff-admin", user = "sgk_ff-user";
        var settings = Training.Settings();
        foreach (var (key, value) in TestKeys.Settings((admin, "admin"), (user, "user")))
        {
            settings[key] = value;
        }
        await using var host = await ServerHost.StartAsync(settings);
        var asAdmin = new StyleTransferService.StyleTransferServiceClient(host.Channel.Intercept(m => Bearer(m, admin)));
        var asUser = new StyleTransferService.StyleTransferServiceClient(host.Channel.Intercept(m => Bearer(m, user)));
        await asAdmin.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 });

        var denied = await Refused(() => asUser.TrainStyleNetworkAsync(Training.Request(iterations: 5)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(FeedForwardNetwork.Types.State.None, (await asUser.GetStyleAsync(new GetStyleRequest { Name = "starry" })).FeedForward.State);
        Assert.Equal("user", (await asUser.GetServerInfoAsync(new GetServerInfoRequest())).CallerRole);
        Assert.Equal("admin", (await asAdmin.GetServerInfoAsync(new GetServerInfoRequest())).CallerRole);
    }

    // METHOD_FEED_FORWARD through Stylize (Accepted, Started, Result only; the asked size) and through SubmitStylize + WatchStylize.
    private static async Task AssertFeedForwardAsync(ServerHost host, int version)
    {
        var frames = await Frames.CollectAsync(host.Client, Training.FeedForward(maxSide: 96));
        Assert.Equal([StylizeResponse.FrameOneofCase.Accepted, StylizeResponse.FrameOneofCase.Started, StylizeResponse.FrameOneofCase.Result],
            frames.Select(f => f.FrameCase));
        var result = frames[^1].Result;
        var image = ImageCodec.Decode(result.Image.Data.Span);
        Assert.Equal((96, 72), (image.Width, image.Height));
        Assert.Equal((Method.FeedForward, version, 0), (result.Reproducibility.Method, result.Reproducibility.FeedForwardVersion, result.IterationsRun));
        Assert.Equal(64, result.Reproducibility.TileSize);
        Assert.Equal(0, frames[1].Started.TotalIterations);

        var submitted = await host.Client.SubmitStylizeAsync(Training.FeedForward(maxSide: 64));
        using var watch = host.Client.WatchStylize(new WatchStylizeRequest { Name = submitted.Name });
        var watched = await watch.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal(64, watched[^1].Result.Image.Width);
        Assert.DoesNotContain(watched, f => f.Progress is not null);
    }

    private static Metadata Bearer(Metadata metadata, string key)
    {
        metadata.Add("authorization", "Bearer " + key);
        return metadata;
    }

    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
}
