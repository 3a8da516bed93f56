using Google.LongRunning;
using Grpc.Core;
using Grpc.Health.V1;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Steps the real-process tests of durable jobs share: waiting for readiness, and for an operation to get somewhere.</summary>
internal static class ServerSteps
{
    private static readonly HealthCheckRequest Readiness = new() { Service = "stylegrpc.v1.StyleTransferService" };

    /// <summary>Waits until <paramref name="server"/> is ready (model loaded, store reachable) and returns it.</summary>
    public static async Task<ServerProcess> ReadyAsync(ServerProcess server)
    {
        var health = new Health.HealthClient(server.Channel);
        var up = await ServerTestSetup.EventuallyAsync(() =>
        {
            try
            {
                return health.Check(Readiness, deadline: DateTime.UtcNow.AddSeconds(2)).Status == HealthCheckResponse.Types.ServingStatus.Serving;
            }
            catch (RpcException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90));
        Assert.True(up, string.Join('\n', server.Output));
        return server;
    }

    /// <summary>Polls the operation's metadata until <paramref name="condition"/> holds, and returns it.</summary>
    public static Task<StylizeMetadata> MetadataWhenAsync(Operations.OperationsClient operations, string name, Func<StylizeMetadata, bool> condition) =>
        MetadataWhenAsync<StylizeMetadata>(operations, name, condition);

    /// <summary>As the Stylize form, for an operation whose metadata is <typeparamref name="T"/> (a video job's, a training's).</summary>
    public static async Task<T> MetadataWhenAsync<T>(Operations.OperationsClient operations, string name, Func<T, bool> condition)
        where T : class, Google.Protobuf.IMessage<T>, new()
    {
        T? metadata = null;
        var reached = await ServerTestSetup.EventuallyAsync(() =>
        {
            metadata = operations.GetOperation(new GetOperationRequest { Name = name }).Metadata.Unpack<T>();
            return condition(metadata);
        }, Frames.Timeout);
        Assert.True(reached, $"the operation never got there: {metadata}");
        return metadata!;
    }
}
