extern alias server;

using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Xunit.Abstractions;
using StyleGrpc.Protos.V1;
using server::StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Tests;

/// <summary>Readers that stop reading or read slowly, over real sockets.</summary>
[Collection(ServerCollection.Name)]
public sealed class SlowReaderTests(ITestOutputHelper output)
{
    private const string StylizePath = "/stylegrpc.v1.StyleTransferService/Stylize";

    /// <summary>A job whose previews overflow the 64 KiB HTTP/2 window at once: a preview every iteration.</summary>
    private static StylizeRequest PreviewHeavyRequest(int iterations)
    {
        var request = Frames.Request(iterations: iterations, maxSide: 128);
        request.ContentImage = ByteString.CopyFrom(File.ReadAllBytes(TestData.Reference("content_64.png")));
        request.Options.PreviewEvery = 1;
        request.Options.Init = Init.Noise;
        request.Options.Optimizer = Optimizer.Adam;
        return request;
    }

    [Fact]
    public async Task Stylize_ReaderNeverReads_SlotIsReleasedWhenTheRunEndsNotWhenTheSocketCloses()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:StallTimeoutSeconds"] = "120",
            ["StyleGrpc:MaxPreviews"] = "1000",
        });
        await Frames.RegisterStarryAsync(host);
        var runner = host.Services.GetRequiredService<JobRunner>();
        var clock = Stopwatch.StartNew();
        var ended = new ConcurrentDictionary<string, (JobOutcome Outcome, TimeSpan At)>();
        runner.JobEnded += o => ended[o.JobId] = (o, clock.Elapsed);

        using var stalled = await RawHttp2Client.StartCallAsync(host.Address, StylizePath, PreviewHeavyRequest(60));
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 1, Frames.Timeout));
        using var second = host.Client.Stylize(Frames.Request(iterations: 3));
        var started = await Frames.ReadUntilAsync(second, f => f.Started is not null);
        var startedAt = clock.Elapsed;
        var rest = await Frames.ReadUntilAsync(second, f => f.Result is not null);

        var first = Assert.Single(ended.Values, e => e.Outcome.Outcome == "completed" && e.Outcome.Iterations == 60);
        Assert.Equal(1, started[0].Accepted.QueuePosition);
        // The second job started as soon as the first one's run ended (well within one iteration's time), while the
        // first caller's socket is still open and it has read nothing.
        output.WriteLine($"first run ended at {first.At.TotalMilliseconds:F0} ms ({first.Outcome.RunTime.TotalMilliseconds:F0} ms run), second started {(startedAt - first.At).TotalMilliseconds:F1} ms later; the first socket is still open");
        // (The slot is released just before the first job's end is reported, so the difference can be a hair below zero.)
        Assert.InRange(startedAt - first.At, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));
        Assert.NotNull(rest[^1].Result);
    }

    [Fact]
    public async Task Stylize_ReaderStallsPastTheTimeout_JobStopsAndTheCallEnds()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:StallTimeoutSeconds"] = "1",
            ["StyleGrpc:MaxPreviews"] = "5000",
        });
        await Frames.RegisterStarryAsync(host);
        var runner = host.Services.GetRequiredService<JobRunner>();
        var outcome = new TaskCompletionSource<JobOutcome>();
        runner.JobEnded += o => outcome.TrySetResult(o);

        using var stalled = await RawHttp2Client.StartCallAsync(host.Address, StylizePath, PreviewHeavyRequest(5000));
        var ended = await outcome.Task.WaitAsync(Frames.Timeout);

        output.WriteLine($"stalled job stopped after {ended.Iterations} iterations, {ended.RunTime.TotalSeconds:F2} s (stall timeout 1 s)");
        Assert.Equal("reader stalled; result discarded", ended.Outcome);
        Assert.True(ended.Iterations < 5000);
        var ending = await stalled.ReadUntilStreamEndsAsync(TimeSpan.FromSeconds(30));
        // A reader that takes nothing cannot get trailers (HTTP/2 holds them behind the unsent data): the stream is reset.
        Assert.Contains(ending?.Ending, new[] { "reset", "trailers" });
        Assert.True(await ServerTestSetup.EventuallyAsync(() => runner.Active == 0, TimeSpan.FromSeconds(10)), "the call was forgotten");
    }

    [Fact]
    public async Task Stylize_SlowReader_GetsCoalescedProgressAndLatestPreviewsWithCounts()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:MaxPreviews"] = "1000",
            ["StyleGrpc:MaxProgressFramesPerSecond"] = "1000",
            ["StyleGrpc:BufferedPreviews"] = "2",
        });
        await Frames.RegisterStarryAsync(host);
        var request = PreviewHeavyRequest(120);
        request.Options.PreviewEvery = 2;
        using var call = host.Client.Stylize(request);
        var frames = new List<StylizeResponse>();
        using var timeout = new CancellationTokenSource(Frames.Timeout);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            frames.Add(call.ResponseStream.Current);
            await Task.Delay(50, timeout.Token);
        }

        var result = frames[^1].Result;
        output.WriteLine($"slow reader: {frames.Count} frames, {result.FramesCoalesced} progress frames coalesced, {result.PreviewsDropped} of 60 previews dropped");
        var progress = frames.Where(f => f.Progress is not null).Select(f => f.Progress).ToList();
        var previews = progress.Where(p => p.Preview is not null).Select(p => p.Iteration).ToList();
        Assert.Equal(120, result.IterationsRun);
        // Every preview is either delivered or counted as dropped; the last one is always delivered.
        Assert.True(result.PreviewsDropped > 0, "a reader this slow must have missed previews");
        Assert.Equal(60, previews.Count + result.PreviewsDropped);
        Assert.Equal(120, previews[^1]);
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.First.Iteration < p.Second.Iteration));
        // The counts only grow, and the result carries the totals.
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.First.PreviewsDropped <= p.Second.PreviewsDropped));
        Assert.Equal(progress[^1].PreviewsDropped, result.PreviewsDropped);
        Assert.Equal(result.FramesCoalesced, progress[^1].FramesCoalesced);
    }
}
