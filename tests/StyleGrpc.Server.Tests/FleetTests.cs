using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Several server processes sharing one real Redis: what one replica does, the others see.</summary>
[Collection(ServerCollection.Name)]
public sealed class FleetTests
{
    private static readonly HealthCheckRequest Readiness = new() { Service = "stylegrpc.v1.StyleTransferService" };

    private static ServerProcess Replica(RedisServer redis, string prefix, string precision = "float32") => ServerProcess.Start(new Dictionary<string, string?>
    {
        ["StyleGrpc:Store"] = "redis",
        ["StyleGrpc:Redis"] = redis.Configuration,
        ["StyleGrpc:RedisKeyPrefix"] = prefix,
        ["StyleGrpc:Precision"] = precision,
    });

    private static async Task<StyleTransferService.StyleTransferServiceClient> ReadyAsync(ServerProcess server)
    {
        var health = new Health.HealthClient(server.Channel);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => Status(health) == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60)),
            string.Join('\n', server.Output));
        return new StyleTransferService.StyleTransferServiceClient(server.Channel);
    }

    private static HealthCheckResponse.Types.ServingStatus? Status(Health.HealthClient health)
    {
        try
        {
            return health.Check(Readiness, deadline: DateTime.UtcNow.AddSeconds(5)).Status;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    private static Task<Style> RegisterAsync(StyleTransferService.StyleTransferServiceClient client, string image, bool replace = false) =>
        client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "shared", Image = Frames.Image(image), StyleSize = 64, Replace = replace },
            deadline: DateTime.UtcNow + Frames.Timeout).ResponseAsync;

    private static async Task<ByteString> StylizeAsync(StyleTransferService.StyleTransferServiceClient client) =>
        (await Frames.CollectAsync(client, Frames.Request("shared", iterations: 3)))[^1].Result.Image.Data;

    [Fact]
    public async Task TwoReplicas_SeeEachOthersRegistrationsReplacementsAndDeletions()
    {
        using var redis = RedisServer.Shared();
        var prefix = $"t{Guid.NewGuid():N}:";
        await using var a = Replica(redis, prefix);
        await using var b = Replica(redis, prefix);
        var onA = await ReadyAsync(a);
        var onB = await ReadyAsync(b);

        await RegisterAsync(onA, "starry_night.jpg");
        var starryOnB = await StylizeAsync(onB);
        // B used A's targets from Redis: it computed none.
        Assert.Equal(0, await b.MetricAsync("stylegrpc_style_targets_computations_total"));
        Assert.Equal(1, (await onB.ListStylesAsync(new ListStylesRequest())).TotalSize);

        await RegisterAsync(onA, "the_scream.jpg", replace: true);
        var screamOnB = await StylizeAsync(onB);
        var screamOnA = await StylizeAsync(onA);
        Assert.NotEqual(starryOnB, screamOnB);
        Assert.Equal(screamOnA, screamOnB);

        await onB.DeleteStyleAsync(new DeleteStyleRequest { Name = "styles/shared" });
        var notFound = await Assert.ThrowsAsync<RpcException>(async () => await onA.GetStyleAsync(new GetStyleRequest { Name = "shared" }));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        var stylizeNotFound = await Assert.ThrowsAsync<RpcException>(() => StylizeAsync(onA));
        Assert.Equal(StatusCode.NotFound, stylizeNotFound.StatusCode);
    }

    [Fact]
    public async Task TargetsForAnotherNetwork_AreComputedOnceAcrossTheFleet()
    {
        using var redis = RedisServer.Shared();
        var prefix = $"t{Guid.NewGuid():N}:";
        await using var registrar = Replica(redis, prefix);
        await RegisterAsync(await ReadyAsync(registrar), "starry_night.jpg");
        // Two replicas on another network (bfloat16 convolutions: another fingerprint) need other targets, both at once.
        await using var b = Replica(redis, prefix, "bfloat16");
        await using var c = Replica(redis, prefix, "bfloat16");
        var onB = await ReadyAsync(b);
        var onC = await ReadyAsync(c);

        var results = await Task.WhenAll(StylizeAsync(onB), StylizeAsync(onC));

        Assert.Equal(results[0], results[1]);
        Assert.Equal(1, await b.MetricAsync("stylegrpc_style_targets_computations_total") + await c.MetricAsync("stylegrpc_style_targets_computations_total"));
        Assert.Equal(1, await registrar.MetricAsync("stylegrpc_style_targets_computations_total"));
        // Stored for the fleet: a later replica on that network computes nothing.
        await using var d = Replica(redis, prefix, "bfloat16");
        Assert.Equal(results[0], await StylizeAsync(await ReadyAsync(d)));
        Assert.Equal(0, await d.MetricAsync("stylegrpc_style_targets_computations_total"));
    }

    [Fact]
    public async Task RedisStopsMidRun_ReplicaTurnsNotReadyAndAnswersUnavailable_ThenRecovers()
    {
        using var redis = RedisServer.StartPrivate();
        await using var a = Replica(redis, $"t{Guid.NewGuid():N}:");
        var onA = await ReadyAsync(a);
        var health = new Health.HealthClient(a.Channel);
        await RegisterAsync(onA, "starry_night.jpg");

        redis.Stop();

        Assert.True(await ServerTestSetup.EventuallyAsync(() => Status(health) == HealthCheckResponse.Types.ServingStatus.NotServing, TimeSpan.FromSeconds(30)));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        var get = await Assert.ThrowsAsync<RpcException>(async () => await onA.GetStyleAsync(new GetStyleRequest { Name = "shared" }));
        Assert.Equal(StatusCode.Unavailable, get.StatusCode);
        Assert.Contains("style store", get.Status.Detail);
        var stylize = await Assert.ThrowsAsync<RpcException>(() => StylizeAsync(onA));
        Assert.Equal(StatusCode.Unavailable, stylize.StatusCode);
        Assert.True(a.LineOf("Not ready: the style store does not answer") >= 0, string.Join('\n', a.Output));

        redis.StartAgain();

        Assert.True(await ServerTestSetup.EventuallyAsync(() => Status(health) == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60)),
            string.Join('\n', a.Output));
        // That Redis kept nothing (no persistence): register again and use it.
        await RegisterAsync(onA, "starry_night.jpg");
        Assert.NotEmpty(await StylizeAsync(onA));
    }
}
