using Google.LongRunning;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StyleGrpc.Protos.V1;
using Xunit.Abstractions;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// Trainings where the point is the process: a real server killed mid-training and started again (file store), and two
/// replicas on one real Redis, where the network one trained is served by the other.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TrainingProcessTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private const string AdminKey = "sgk_training-admin";
    private const int Iterations = 150;

    [Fact]
    public async Task Sigkill_MidTraining_TheNextStartResumesItFromItsCheckpoint()
    {
        var data = TestData.NewTempDirectory();
        var settings = WithAdminKey(Training.Settings(("StyleGrpc:CheckpointSeconds", "1")));
        string name;
        TrainStyleNetworkMetadata atKill;
        await using (var server = await ServerSteps.ReadyAsync(ServerProcess.Start(settings, data)))
        {
            var (client, operations) = Clients(server);
            await RegisterStarryAsync(client);
            name = (await client.TrainStyleNetworkAsync(Training.Request(iterations: Iterations))).Name;
            atKill = await Training.MetadataWhenAsync(operations, name, m => m.CheckpointIteration > 0 && m.Iteration > m.CheckpointIteration);
            server.Signal(SigKill);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using var again = await ServerSteps.ReadyAsync(ServerProcess.Start(settings, data));
        var (clientAgain, operationsAgain) = Clients(again);
        var done = await Training.DoneAsync(operationsAgain, name);
        var final = done.Metadata.Unpack<TrainStyleNetworkMetadata>();
        output.WriteLine($"killed at iteration ≥ {atKill.Iteration} with the checkpoint at {atKill.CheckpointIteration}; resumed from {final.ResumedFromIteration}, attempt {final.Attempt}");

        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.True(final.ResumedFromIteration >= atKill.CheckpointIteration && final.ResumedFromIteration > 0,
            $"resumed from {final.ResumedFromIteration}, checkpoint was at {atKill.CheckpointIteration}");
        Assert.Equal(Iterations, final.Iteration);
        var style = done.Response.Unpack<Style>();
        Assert.Equal((FeedForwardNetwork.Types.State.Ready, Iterations), (style.FeedForward.State, style.FeedForward.Iterations));
        var frames = await Frames.CollectAsync(clientAgain, Training.FeedForward(maxSide: 64));
        Assert.Equal(64, frames[^1].Result.Image.Width);
    }

    [Fact]
    public async Task Fleet_ANetworkTrainedOnOneReplica_IsStoredInRedis_AndServedByTheOther()
    {
        using var redis = RedisServer.Shared();
        var settings = WithAdminKey(Training.Settings(("StyleGrpc:Store", "redis"), ("StyleGrpc:Redis", redis.Configuration),
            ("StyleGrpc:RedisKeyPrefix", $"t{Guid.NewGuid():N}:")));
        await using var a = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        await using var b = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        var (clientA, operationsA) = Clients(a);
        var (clientB, _) = Clients(b);
        await RegisterStarryAsync(clientA);

        var name = (await clientA.TrainStyleNetworkAsync(Training.Request(iterations: 6))).Name;
        var done = await Training.DoneAsync(operationsA, name);
        var onB = await clientB.GetStyleAsync(new GetStyleRequest { Name = "starry" });
        var frames = await Frames.CollectAsync(clientB, Training.FeedForward(maxSide: 64));

        Assert.Equal(StylizeMetadata.Types.State.Succeeded, done.Metadata.Unpack<TrainStyleNetworkMetadata>().State);
        Assert.Equal(done.Response.Unpack<Style>().FeedForward, onB.FeedForward);
        Assert.Equal(FeedForwardNetwork.Types.State.Ready, onB.FeedForward.State);
        Assert.Equal((Method.FeedForward, 1), (frames[^1].Result.Reproducibility.Method, frames[^1].Result.Reproducibility.FeedForwardVersion));
        Assert.Equal(64, frames[^1].Result.Image.Width);

        // Re-registering on B drops the network for every replica.
        await clientB.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64, Replace = true });
        var refused = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(clientA, Training.FeedForward(maxSide: 64)));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
    }

    [Fact]
    public async Task Fleet_CancellingATrainingStillInTheQueue_EndsIt_AndTheStyleSaysFailed()
    {
        using var redis = RedisServer.Shared();
        var settings = WithAdminKey(Training.Settings(("StyleGrpc:Store", "redis"), ("StyleGrpc:Redis", redis.Configuration),
            ("StyleGrpc:RedisKeyPrefix", $"t{Guid.NewGuid():N}:"), ("StyleGrpc:ConcurrentJobs", "1")));
        await using var server = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        var (client, operations) = Clients(server);
        await RegisterStarryAsync(client);
        // The only slot is held by a long job, so the training stays stored in the fleet's queue, run by no replica.
        var blocking = Frames.Request(iterations: 5000);
        blocking.Options.Optimizer = Optimizer.Adam;
        var blocker = (await client.SubmitStylizeAsync(blocking)).Name;
        await ServerSteps.MetadataWhenAsync(operations, blocker, m => m.State == StylizeMetadata.Types.State.Running);
        var name = (await client.TrainStyleNetworkAsync(Training.Request(iterations: 6))).Name;
        var queued = await client.GetStyleAsync(new GetStyleRequest { Name = "starry" });

        await operations.CancelOperationAsync(new CancelOperationRequest { Name = name });
        var cancelled = await operations.GetOperationAsync(new GetOperationRequest { Name = name });
        var style = await client.GetStyleAsync(new GetStyleRequest { Name = "starry" });
        await operations.CancelOperationAsync(new CancelOperationRequest { Name = blocker });

        Assert.Equal((FeedForwardNetwork.Types.State.Training, name), (queued.FeedForward.State, queued.FeedForward.OperationName));
        Assert.True(cancelled.Done);
        Assert.Equal(StylizeMetadata.Types.State.Cancelled, cancelled.Metadata.Unpack<TrainStyleNetworkMetadata>().State);
        Assert.Equal((int)StatusCode.Cancelled, cancelled.Error.Code);
        Assert.Equal(FeedForwardNetwork.Types.State.Failed, style.FeedForward.State);
        Assert.Equal(name, style.FeedForward.OperationName);
        Assert.Contains("cancel", style.FeedForward.Error, StringComparison.OrdinalIgnoreCase);
    }

    private static Dictionary<string, string?> WithAdminKey(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in TestKeys.Settings((AdminKey, "admin")))
        {
            settings[key] = value;
        }
        return settings;
    }

    private static Task<Style> RegisterStarryAsync(StyleTransferService.StyleTransferServiceClient client) =>
        client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 }).ResponseAsync;

    private static (StyleTransferService.StyleTransferServiceClient, Operations.OperationsClient) Clients(ServerProcess server)
    {
        var invoker = server.Channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + AdminKey);
            return metadata;
        });
        return (new StyleTransferService.StyleTransferServiceClient(invoker), new Operations.OperationsClient(invoker));
    }
}
