using Google.LongRunning;
using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Stylize jobs as long-running operations (AIP-151) on one server: submit, get, list, watch, wait, cancel, delete, expire.</summary>
[Collection(ServerCollection.Name)]
public sealed class OperationsTests
{
    [Fact]
    public async Task SubmitStylize_AnswersOnAdmission_ThenTheOperationEndsWithTheResult()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);

        var submitted = await host.Client.SubmitStylizeAsync(Frames.Request(iterations: 4));
        var metadata = submitted.Metadata.Unpack<StylizeMetadata>();
        var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = submitted.Name, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Frames.Timeout) });
        var listed = await operations.ListOperationsAsync(new ListOperationsRequest { Name = "operations" });

        Assert.Matches("^operations/[0-9a-f]{12}$", submitted.Name);
        Assert.False(submitted.Done);
        Assert.Equal(submitted.Name, "operations/" + metadata.JobId);
        Assert.Equal(1, metadata.Attempt);
        Assert.True(done.Done);
        var final = done.Metadata.Unpack<StylizeMetadata>();
        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal((4, 4), (final.Iteration, final.TotalIterations));
        Assert.NotNull(final.EndTime);
        var result = done.Response.Unpack<Result>();
        Assert.Equal(4, result.IterationsRun);
        Assert.True(result.Image.Data.Length > 0);
        Assert.Contains(listed.Operations, o => o.Name == submitted.Name && o.Done);
    }

    [Fact]
    public async Task WatchStylize_FromAnySequence_ReplaysWhatWasMissedWithoutDuplicatesAndEndsWithTheResult()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request(iterations: 6);
        request.Options.PreviewEvery = 2;

        // A submitted job (a Stylize call would own it), watched twice: three frames, then the rest from the last sequence seen.
        var submitted = await host.Client.SubmitStylizeAsync(request);
        var first = await WatchAsync(host, submitted.Name, 0, take: 3);
        var rest = await WatchAsync(host, submitted.Name, first[^1].Sequence, take: int.MaxValue);

        var all = first.Concat(rest).ToList();
        Assert.Equal(3, first.Count);
        Assert.NotNull(first[0].Accepted);
        Assert.Equal(submitted.Name, first[0].Accepted.OperationName);
        // Sequences only grow, none is sent twice, and the watch ends with the result.
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.NotNull(all[^1].Result);
        Assert.Single(all, f => f.Started is not null);
        // Previews are kept for a late watcher: the last one (iteration 6) is always there.
        Assert.Contains(all, f => f.Progress?.Preview is not null && f.Progress.Iteration == 6);
        // A watcher that comes after the end gets the kept frames and the result; one past the end gets nothing but the end.
        var late = await WatchAsync(host, submitted.Name, 0, take: int.MaxValue);
        Assert.Equal(all.Where(f => f.Progress is null).Select(f => f.Sequence), late.Where(f => f.Progress is null).Select(f => f.Sequence));
        Assert.Empty(await WatchAsync(host, submitted.Name, all[^1].Sequence, take: int.MaxValue));
    }

    [Fact]
    public async Task WatchStylize_ToItsLastFrame_ThenGetOperation_FindsItDone()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);

        // The end is stored before the last frame goes out, so a Get right after it never sees the job still running
        // (before that rule, 1 in a few hundred CLI runs did). Ten short jobs, each got the moment its watch ends.
        for (var i = 0; i < 10; i++)
        {
            var submitted = await host.Client.SubmitStylizeAsync(Frames.Request(iterations: 2));
            var frames = await WatchAsync(host, submitted.Name, 0, take: int.MaxValue);
            var got = await operations.GetOperationAsync(new GetOperationRequest { Name = submitted.Name });

            Assert.NotNull(frames[^1].Result);
            Assert.True(got.Done, $"job {i}: {got.Metadata.Unpack<StylizeMetadata>().State}");
            Assert.Equal(StylizeMetadata.Types.State.Succeeded, got.Metadata.Unpack<StylizeMetadata>().State);
        }
    }

    [Fact]
    public async Task CancelOperation_StopsTheRunningJob_WhichEndsCancelled_AndDeleteRemovesIt()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);
        var submitted = await host.Client.SubmitStylizeAsync(Frames.LongRequest());
        var progress = await WatchAsync(host, submitted.Name, 0, take: int.MaxValue, until: f => f.Progress is not null);

        var refused = await Assert.ThrowsAsync<RpcException>(() => operations.DeleteOperationAsync(new DeleteOperationRequest { Name = submitted.Name }).ResponseAsync);
        await operations.CancelOperationAsync(new CancelOperationRequest { Name = submitted.Name });
        var cancelled = await operations.GetOperationAsync(new GetOperationRequest { Name = submitted.Name });
        var watchError = await Assert.ThrowsAsync<RpcException>(() => WatchAsync(host, submitted.Name, progress[^1].Sequence, take: int.MaxValue));
        await operations.DeleteOperationAsync(new DeleteOperationRequest { Name = submitted.Name });
        var gone = await Assert.ThrowsAsync<RpcException>(() => operations.GetOperationAsync(new GetOperationRequest { Name = submitted.Name }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.True(cancelled.Done);
        Assert.Equal(StylizeMetadata.Types.State.Cancelled, cancelled.Metadata.Unpack<StylizeMetadata>().State);
        Assert.Equal((int)StatusCode.Cancelled, cancelled.Error.Code);
        Assert.True(cancelled.Metadata.Unpack<StylizeMetadata>().Iteration < 5000);
        Assert.Equal(StatusCode.Cancelled, watchError.StatusCode);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0, host.Scheduler.Running);
    }

    [Fact]
    public async Task EndedOperation_IsGettable_ThenGoneAfterTheRetention()
    {
        // 0.0003 h = 1.08 s.
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:ResultRetentionHours"] = "0.0003" });
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);
        var submitted = await host.Client.SubmitStylizeAsync(Frames.Request(iterations: 2));
        var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = submitted.Name, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Frames.Timeout) });
        Assert.True(done.Done);

        var expired = await ServerTestSetup.EventuallyAsync(() =>
        {
            try
            {
                operations.GetOperation(new GetOperationRequest { Name = submitted.Name });
                return false;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30));

        Assert.True(expired, "the ended operation was not deleted after its retention");
        Assert.False(Directory.Exists(Path.Combine(host.DataDirectory, "jobs", submitted.Name["operations/".Length..])));
    }

    [Theory]
    [InlineData("operations/nope")]
    [InlineData("operations/0123456789ab")]
    [InlineData("styles/starry")]
    public async Task GetOperation_UnknownOrMalformedName_ReturnsNotFound(string name)
    {
        await using var host = await ServerHost.StartAsync();
        var operations = new Operations.OperationsClient(host.Channel);
        var error = await Assert.ThrowsAsync<RpcException>(() => operations.GetOperationAsync(new GetOperationRequest { Name = name }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private static async Task<List<StylizeResponse>> WatchAsync(ServerHost host, string name, long after, int take, Func<StylizeResponse, bool>? until = null)
    {
        using var timeout = new CancellationTokenSource(Frames.Timeout);
        using var call = host.Client.WatchStylize(new WatchStylizeRequest { Name = name, AfterSequence = after }, cancellationToken: timeout.Token);
        var frames = new List<StylizeResponse>();
        while (frames.Count < take && await call.ResponseStream.MoveNext(timeout.Token))
        {
            frames.Add(call.ResponseStream.Current);
            if (until?.Invoke(call.ResponseStream.Current) == true)
            {
                break;
            }
        }
        return frames;
    }
}
