extern alias server;

using System.Collections.Concurrent;
using System.Globalization;
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
            // The first caller reads nothing for the whole test: the stall watchdog must not end its call, however slow the machine.
            ["StyleGrpc:StallTimeoutSeconds"] = "3600",
            ["StyleGrpc:MaxPreviews"] = "1000",
        });
        await Frames.RegisterStarryAsync(host);
        var runner = host.Services.GetRequiredService<JobRunner>();
        var ended = new ConcurrentQueue<JobOutcome>();
        runner.JobEnded += ended.Enqueue;

        using var stalled = await RawHttp2Client.StartCallAsync(host.Address, StylizePath, PreviewHeavyRequest(60));
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 1, Frames.Timeout));
        using var second = host.Client.Stylize(Frames.Request(iterations: 3));
        var started = await Frames.ReadUntilAsync(second, f => f.Started is not null);
        // Both calls are open (the first caller has read nothing, its events wait behind a full HTTP/2 window), yet the
        // second job has the only slot: the first one's run had ended.
        var endedWhenSecondStarted = ended.Count;
        var rest = await Frames.ReadUntilAsync(second, f => f.Result is not null);

        Assert.Equal(1, started[0].Accepted.QueuePosition);
        Assert.InRange(endedWhenSecondStarted, 1, 2);
        Assert.NotNull(rest[^1].Result);
        // With one slot the second job could only start once the first one's run had ended, and it ended complete.
        Assert.True(await ServerTestSetup.EventuallyAsync(() => ended.Count == 2, Frames.Timeout));
        var first = ended.First();
        output.WriteLine($"first run: {first.Outcome}, {first.Iterations} iterations in {first.RunTime.TotalMilliseconds:F0} ms; the second job ran while the first caller had read nothing");
        Assert.Equal(("completed", 60), (first.Outcome, first.Iterations));
        Assert.Equal(("completed", 3), (ended.Last().Outcome, ended.Last().Iterations));
        // The first call is still open and unread, and neither job holds anything in the runner or a slot.
        Assert.Equal(0, runner.Active);
        Assert.Equal(0, host.Scheduler.Running);
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
        Assert.True(await ServerTestSetup.EventuallyAsync(() => runner.Active == 0, TimeSpan.FromSeconds(10)), "the job was forgotten");
    }

    [Fact]
    public async Task Stylize_SlowReader_GetsCoalescedProgressAndLatestPreviewsWithCounts()
    {
        const int iterations = 120, previewEvery = 2, bufferedPreviews = 2, previewsMade = iterations / previewEvery;
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:MaxPreviews"] = "1000",
            // Steps are more than a millisecond apart, so none is paced away (one that were would be counted as coalesced too).
            ["StyleGrpc:MaxProgressFramesPerSecond"] = "1000",
            ["StyleGrpc:BufferedPreviews"] = bufferedPreviews.ToString(CultureInfo.InvariantCulture),
            // The reader reads nothing until the run has ended: the stall watchdog must not stop the job first, however slow the machine.
            ["StyleGrpc:StallTimeoutSeconds"] = "3600",
        });
        await Frames.RegisterStarryAsync(host);
        var ended = new TaskCompletionSource<JobOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<JobRunner>().JobEnded += o => ended.TrySetResult(o);
        var request = PreviewHeavyRequest(iterations);
        request.Options.PreviewEvery = previewEvery;

        // The slowest reader there is: it reads nothing until the job has made every preview and ended, then reads everything.
        using var call = host.Client.Stylize(request);
        var outcome = await ended.Task.WaitAsync(Frames.Timeout);
        var frames = new List<StylizeResponse>();
        using var timeout = new CancellationTokenSource(Frames.Timeout);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            frames.Add(call.ResponseStream.Current);
        }

        var result = frames[^1].Result;
        var progress = frames.Where(f => f.Progress is not null).Select(f => f.Progress).ToList();
        var previews = progress.Where(p => p.Preview is not null).ToList();
        output.WriteLine($"reader behind the whole run: {frames.Count} frames, {progress.Count} progress frames, {result.FramesCoalesced} coalesced, " +
            $"previews delivered at iterations {string.Join(", ", previews.Select(p => p.Iteration))} ({previews.Sum(p => p.Preview.Data.Length) / 1024} KiB), " +
            $"{result.PreviewsDropped} of {previewsMade} dropped");
        Assert.Equal(("completed", iterations), (outcome.Outcome, outcome.Iterations));
        Assert.Equal(iterations, result.IterationsRun);
        // 60 previews of this size cannot all wait in the HTTP/2 windows and the server's write buffers of a reader that
        // reads nothing; the buffer keeps the latest and drops the rest.
        Assert.True(result.PreviewsDropped >= 1, "a reader that reads nothing during the run must have missed previews");
        // Every preview is either delivered or counted as dropped, in order.
        Assert.Equal(previewsMade, previews.Count + result.PreviewsDropped);
        Assert.All(previews, p => Assert.Equal(0, p.Iteration % previewEvery));
        // A preview is dropped only for newer ones once BufferedPreviews wait: the last BufferedPreviews are always delivered.
        Assert.Equal([iterations - previewEvery, iterations], previews.TakeLast(bufferedPreviews).Select(p => p.Iteration));
        // Every step is delivered, coalesced (a plain frame superseded) or dropped (a preview); the last step always arrives.
        Assert.Equal(iterations, progress.Count + result.FramesCoalesced + result.PreviewsDropped);
        Assert.Equal(iterations, progress[^1].Iteration);
        // A preview is dropped only while two wait, and the plain frame added after the newer of them is superseded by the
        // preview that drops the oldest: each drop comes with a coalesced frame.
        Assert.True(result.FramesCoalesced >= result.PreviewsDropped, $"{result.FramesCoalesced} coalesced, {result.PreviewsDropped} dropped");
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.First.Iteration < p.Second.Iteration));
        // The counts only grow, and the result carries the totals: those of the last progress frame, as nothing is lost after it.
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.First.PreviewsDropped <= p.Second.PreviewsDropped && p.First.FramesCoalesced <= p.Second.FramesCoalesced));
        Assert.Equal((progress[^1].PreviewsDropped, progress[^1].FramesCoalesced), (result.PreviewsDropped, result.FramesCoalesced));
    }
}
