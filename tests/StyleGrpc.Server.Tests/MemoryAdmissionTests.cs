using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Jobs are admitted against a memory budget from their estimated peak.</summary>
[Collection(ServerCollection.Name)]
public sealed class MemoryAdmissionTests
{
    private static async Task<long> EstimateAsync(ServerHost host, int maxSide)
    {
        var frames = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 1, maxSide: maxSide));
        return frames.Single(f => f.Started is not null).Started.EstimatedMemoryBytes;
    }

    [Fact]
    public async Task Stylize_JustUnderTheBudgetRuns_JustOverIsRefusedNamingTheLargestSizeThatFits()
    {
        long estimate;
        await using (var probe = await ServerHost.StartAsync())
        {
            await Frames.RegisterStarryAsync(probe);
            estimate = await EstimateAsync(probe, 128);
            Assert.True(estimate > await EstimateAsync(probe, 64));
        }

        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:MemoryBudgetBytes"] = estimate.ToString() });
        await Frames.RegisterStarryAsync(host);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal(estimate, info.Limits.MemoryBudgetBytes);

        var under = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 1, maxSide: 128));
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, under[^1].FrameCase);

        var over = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.Request(iterations: 1, maxSide: 144)));
        // It can never fit: FAILED_PRECONDITION (a retry cannot help, a smaller request can), with the largest side that fits.
        Assert.Equal(StatusCode.FailedPrecondition, over.StatusCode);
        Assert.Contains("memory budget", over.Status.Detail);
        var suggested = int.Parse(System.Text.RegularExpressions.Regex.Match(over.Status.Detail, @"max_side (\d+)").Groups[1].Value);
        Assert.InRange(suggested, 128, 143);
        var errorInfo = over.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!;
        Assert.Equal(("JOB_TOO_LARGE", "stylegrpc", suggested.ToString(System.Globalization.CultureInfo.InvariantCulture)), (errorInfo.Reason, errorInfo.Domain, errorInfo.Metadata["largest_side"]));
        Assert.Null(over.GetRpcStatus()!.GetDetail<Google.Rpc.RetryInfo>());
        var retried = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 1, maxSide: suggested));
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, retried[^1].FrameCase);
    }

    [Fact]
    public async Task Stylize_FitsOnlyWhenAnotherEnds_WaitsInTheQueueThoughASlotIsFree()
    {
        long estimate;
        await using (var probe = await ServerHost.StartAsync())
        {
            await Frames.RegisterStarryAsync(probe);
            estimate = await EstimateAsync(probe, 64);
        }
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:MemoryBudgetBytes"] = (estimate * 3 / 2).ToString(),
            ["StyleGrpc:ConcurrentJobs"] = "2",
        });
        await Frames.RegisterStarryAsync(host);
        using var cancel = new CancellationTokenSource();
        using var first = host.Client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
        await Frames.ReadUntilAsync(first, f => f.Progress is not null);

        using var second = host.Client.Stylize(Frames.Request(iterations: 2));
        var accepted = await Frames.ReadUntilAsync(second, f => f.Accepted is not null);
        Assert.Equal(1, accepted[0].Accepted.QueuePosition);
        Assert.Equal(1, host.Scheduler.Running);

        await cancel.CancelAsync();
        var rest = await Frames.ReadUntilAsync(second, f => f.Result is not null);
        Assert.Contains(rest, f => f.Started is not null);
    }
}
