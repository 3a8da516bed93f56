using Grpc.Core;
using StyleGrpc.Engine;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>Jobs that complete, are cancelled or are refused leave no tensor behind on the engine's threads.</summary>
[Collection(ServerCollection.Name)]
public sealed class LeakTests
{
    [Fact]
    public async Task ManyJobs_CompletedCancelledAndRefused_LiveTensorsReturnToBaseline()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:QueueCapacity"] = "1" });
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request(iterations: 4);
        request.Options.PreviewEvery = 2;
        await Frames.CollectAsync(host.Client, request);
        var baseline = await StyleTransferEngine.LiveTensorsOnWorkersAsync();

        for (var i = 0; i < 15; i++)
        {
            await Frames.CollectAsync(host.Client, request);
        }
        using (var cancel = new CancellationTokenSource())
        {
            using var running = host.Client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
            await Frames.ReadUntilAsync(running, f => f.Progress is not null);
            using var queued = host.Client.Stylize(Frames.Request(iterations: 2), cancellationToken: cancel.Token);
            await Frames.ReadUntilAsync(queued, f => f.Accepted is not null);
            var refused = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.Request()));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            await cancel.CancelAsync();
        }
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0 && host.Scheduler.Waiting == 0, Frames.Timeout));
        await Frames.CollectAsync(host.Client, request);

        Assert.Equal(baseline, await StyleTransferEngine.LiveTensorsOnWorkersAsync());
    }
}
