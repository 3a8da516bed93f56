using Google.LongRunning;
using Google.Rpc;
using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// AIP-155 request IDs on the one submit path: a retry with the same request_id answers the same operation and starts
/// nothing — after a restart of the server (file store) and on another replica (Redis) too —, the same request_id with a
/// different request is INVALID_ARGUMENT naming it, and an ID that is not a UUID is refused.
/// </summary>
public sealed class RequestIdTests
{
    private static StylizeRequest Request(string requestId, int iterations = 2)
    {
        var request = Frames.Request(iterations: iterations);
        request.RequestId = requestId;
        return request;
    }

    private static async Task<int> JobCountAsync(ServerHost host) =>
        (await new Operations.OperationsClient(host.Channel).ListOperationsAsync(new ListOperationsRequest { Name = "operations", PageSize = 100 })).Operations.Count;

    private static (string? Field, string? Reason) FieldOf(RpcException ex)
    {
        var status = ex.GetRpcStatus()!;
        return (status.GetDetail<BadRequest>()?.FieldViolations.Single().Field, status.GetDetail<ErrorInfo>()?.Reason);
    }

    [Fact]
    public async Task SameRequestIdTwice_AnswersTheSameOperation_AndStartsOneJob_EvenAfterARestart()
    {
        var data = TestData.NewTempDirectory();
        var id = Guid.NewGuid().ToString();
        string first;
        await using (var host = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(host);
            first = (await host.Client.SubmitStylizeAsync(Request(id))).Name;
            Assert.Equal(first, (await host.Client.SubmitStylizeAsync(Request(id))).Name);
            Assert.Equal(1, await JobCountAsync(host));
        }
        // The answer was lost and the server restarted meanwhile: the retry still finds the first job.
        await using var restarted = await ServerHost.StartAsync(dataDirectory: data);
        var again = await restarted.Client.SubmitStylizeAsync(Request(id));

        Assert.Equal(first, again.Name);
        Assert.Equal(1, await JobCountAsync(restarted));
        // A new request ID is a new job.
        Assert.NotEqual(first, (await restarted.Client.SubmitStylizeAsync(Request(Guid.NewGuid().ToString()))).Name);
        Assert.Equal(2, await JobCountAsync(restarted));
    }

    [Fact]
    public async Task SameRequestIdForADifferentRequest_IsInvalidArgumentNamingIt_AndANonUuidIsRefused()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var id = Guid.NewGuid().ToString();
        var first = await host.Client.SubmitStylizeAsync(Request(id, iterations: 2));

        var different = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.SubmitStylizeAsync(Request(id, iterations: 3)));
        var notUuid = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.SubmitStylizeAsync(Request("retry-1")));

        Assert.Equal(StatusCode.InvalidArgument, different.StatusCode);
        Assert.Equal("request_id", FieldOf(different).Field);
        Assert.Contains(first.Name, different.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, notUuid.StatusCode);
        Assert.Equal("request_id", FieldOf(notUuid).Field);
        Assert.Equal(1, await JobCountAsync(host));
    }

    [Fact]
    public async Task StylizeRetriedWithItsRequestId_ReplaysTheFirstJobToItsResult_WithoutANewJob()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var id = Guid.NewGuid().ToString();
        var first = await Frames.CollectAsync(host.Client, Request(id));

        var retried = await Frames.CollectAsync(host.Client, Request(id));

        Assert.Equal(first[0].Accepted.JobId, retried[0].Accepted.JobId);
        Assert.Equal(first[^1].Result.Image.Data, retried[^1].Result.Image.Data);
        Assert.Equal(1, await JobCountAsync(host));
    }

    [Fact]
    public async Task OnTheFleet_ARetryReachingAnotherReplica_AnswersTheSameOperation()
    {
        using var redis = RedisServer.Shared();
        var prefix = $"request-{Guid.NewGuid():N}:";
        var settings = new Dictionary<string, string?>
        {
            ["StyleGrpc:Store"] = "redis",
            ["StyleGrpc:Redis"] = redis.Configuration,
            ["StyleGrpc:RedisKeyPrefix"] = prefix,
        };
        await using var a = await ServerHost.StartAsync(settings);
        await using var b = await ServerHost.StartAsync(settings);
        await Frames.RegisterStarryAsync(a);
        var id = Guid.NewGuid().ToString();

        var onA = await a.Client.SubmitStylizeAsync(Request(id));
        var onB = await b.Client.SubmitStylizeAsync(Request(id));

        Assert.Equal(onA.Name, onB.Name);
        Assert.Equal(1, await JobCountAsync(b));
    }
}
