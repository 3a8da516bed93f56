using Google.LongRunning;
using StyleGrpc.Protos.V1;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace StyleGrpc.Server.Tests;

/// <summary>Steps the feed-forward tests share: a small training request, waiting for a training to end, a feed-forward request.</summary>
internal static class Training
{
    /// <summary>A training small enough for a test: 64 px crops, batches of 2.</summary>
    public static TrainStyleNetworkRequest Request(int iterations, string style = "starry") =>
        new() { Name = "styles/" + style, Iterations = iterations, ImageSize = 64, BatchSize = 2 };

    /// <summary>Settings of a server with training photos (and the given extras).</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["StyleGrpc:Training:ContentDirectory"] = TrainingPhotosFolder.Create() };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Bounds a whole training's wait: generous, as the machine's cores are shared, but a hang still fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Waits for the operation to end (bounded) and returns it.</summary>
    public static async Task<Operation> DoneAsync(Operations.OperationsClient operations, string name)
    {
        var operation = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Timeout) },
            deadline: DateTime.UtcNow + Timeout + TimeSpan.FromSeconds(10));
        Assert.True(operation.Done, $"the training did not end in {Timeout}: {operation.Metadata.Unpack<TrainStyleNetworkMetadata>()}");
        return operation;
    }

    /// <summary>Polls the training's metadata until <paramref name="condition"/> holds, and returns it.</summary>
    public static async Task<TrainStyleNetworkMetadata> MetadataWhenAsync(Operations.OperationsClient operations, string name,
        Func<TrainStyleNetworkMetadata, bool> condition)
    {
        Operation? operation = null;
        // An operation that ended stops the wait: it can get nowhere else.
        await ServerTestSetup.EventuallyAsync(() =>
        {
            operation = operations.GetOperation(new GetOperationRequest { Name = name });
            return operation.Done || condition(operation.Metadata.Unpack<TrainStyleNetworkMetadata>());
        }, Timeout);
        var metadata = operation!.Metadata.Unpack<TrainStyleNetworkMetadata>();
        Assert.True(condition(metadata), $"the training never got there: {operation}");
        return metadata;
    }

    /// <summary>A feed-forward Stylize request with the starry style.</summary>
    public static StylizeRequest FeedForward(int maxSide = 96)
    {
        var request = Frames.Request(maxSide: maxSide);
        request.Options.Method = Method.FeedForward;
        return request;
    }
}
