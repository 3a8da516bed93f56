using Google.LongRunning;
using StyleGrpc.Protos.V1;
using Xunit.Abstractions;

namespace StyleGrpc.Server.Tests;

/// <summary>Jobs that outlive their process: a real server with the embedded file store, killed or stopped mid-job, started again.</summary>
[Collection(ServerCollection.Name)]
public sealed class DurableJobTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int Iterations = 300;


    [Fact]
    public async Task Sigkill_MidJob_TheNextStartResumesItFromItsCheckpoint_AndRunsTheQueuedOneToo()
    {
        var data = TestData.NewTempDirectory();
        var settings = new Dictionary<string, string?> { ["StyleGrpc:CheckpointSeconds"] = "1" };
        string running, queued;
        int checkpointAtKill, iterationAtKill;
        await using (var server = await StartAsync(settings, data))
        {
            var (client, operations) = Clients(server);
            await client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 });
            running = (await client.SubmitStylizeAsync(LongRequest())).Name;
            queued = (await client.SubmitStylizeAsync(Frames.Request(iterations: 3))).Name;
            var metadata = await ServerSteps.MetadataWhenAsync(operations, running, m => m.CheckpointIteration > 0 && m.Iteration > m.CheckpointIteration);
            server.Signal(SigKill);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
            (checkpointAtKill, iterationAtKill) = (metadata.CheckpointIteration, metadata.Iteration);
        }

        await using var again = await StartAsync(settings, data);
        var (_, ops) = Clients(again);
        // Watched live while the second attempt runs: its progress frames as they come (a watch after the end would get
        // only the last one kept).
        var watching = WatchAllAsync(again, running);
        var resumed = await ops.WaitOperationAsync(new WaitOperationRequest { Name = running, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Frames.Timeout) });
        var second = await ops.WaitOperationAsync(new WaitOperationRequest { Name = queued, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Frames.Timeout) });
        var frames = await watching;

        var final = resumed.Metadata.Unpack<StylizeMetadata>();
        var result = resumed.Response.Unpack<Result>();
        output.WriteLine($"killed at iteration ≥ {iterationAtKill} with the checkpoint at {checkpointAtKill}; resumed from {final.ResumedFromIteration}, attempt {final.Attempt}, {result.IterationsRun} iterations in all");
        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.True(final.ResumedFromIteration >= checkpointAtKill, $"resumed from {final.ResumedFromIteration}, checkpoint was at {checkpointAtKill}");
        Assert.Equal(Iterations, result.IterationsRun);
        Assert.Equal((final.ResumedFromIteration, 2), (result.Reproducibility.ResumedFromIteration, result.Reproducibility.Attempts));
        // The second attempt went on from its checkpoint: no iteration at or before it ran again.
        var resumedProgress = frames.Where(f => f.Progress is not null && f.Sequence > JobSequenceOfFirstAttempt(frames)).Select(f => f.Progress.Iteration).ToList();
        Assert.True(resumedProgress.Count >= 2, $"the watch saw {resumedProgress.Count} progress frames of the second attempt");
        Assert.All(resumedProgress, i => Assert.True(i > final.ResumedFromIteration, $"iteration {i} ran again"));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.Equal(StylizeMetadata.Types.State.Succeeded, second.Metadata.Unpack<StylizeMetadata>().State);
        // The new process counts what it did: one job resumed from a checkpoint at start, and checkpoints of its own since.
        Assert.Equal(1, await again.MetricAsync("stylegrpc_jobs_resumed_total", "cause=\"restart\""));
        Assert.True(await again.MetricAsync("stylegrpc_checkpoints_total") >= 1);
    }

    [Fact]
    public async Task Sigterm_CheckpointsTheRunningJobAndHandsItBack_TheNextStartFinishesIt()
    {
        var data = TestData.NewTempDirectory();
        // A drain timeout far above what a hand-back takes: exiting within WaitForExitAsync's bound means it was not waited out.
        var settings = new Dictionary<string, string?> { ["StyleGrpc:CheckpointSeconds"] = "600", ["StyleGrpc:DrainTimeoutSeconds"] = "600" };
        string running;
        StylizeMetadata before;
        await using (var server = await StartAsync(settings, data))
        {
            var (client, operations) = Clients(server);
            await client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 });
            running = (await client.SubmitStylizeAsync(LongRequest())).Name;
            before = await ServerSteps.MetadataWhenAsync(operations, running, m => m.Iteration >= 5);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            server.Signal(SigTerm);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"SIGTERM at iteration ≥ {before.Iteration}: exited after {clock.Elapsed.TotalSeconds:F1} s (drain timeout 600 s), exit code {server.ExitCode}");
            // No periodic checkpoint in 600 s: the one it resumes from was written for the drain.
            Assert.Equal(0, server.ExitCode);
        }

        await using var again = await StartAsync(settings, data);
        var (_, ops) = Clients(again);
        var done = await ops.WaitOperationAsync(new WaitOperationRequest { Name = running, Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Frames.Timeout) });
        var final = done.Metadata.Unpack<StylizeMetadata>();
        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.True(final.ResumedFromIteration >= before.Iteration, $"resumed from {final.ResumedFromIteration}, the job had reached {before.Iteration}");
        Assert.Equal(Iterations, done.Response.Unpack<Result>().IterationsRun);
    }

    // 128 px: the rest of a resumed job runs long enough, even on a fast machine, for a watch to see it live.
    private static StylizeRequest LongRequest()
    {
        var request = Frames.Request(iterations: Iterations, maxSide: 128);
        request.Options.Optimizer = Optimizer.Adam;
        return request;
    }

    // The last sequence the first attempt used: the second attempt numbers its frames above every one of them.
    private static long JobSequenceOfFirstAttempt(List<StylizeResponse> frames) =>
        frames.Zip(frames.Skip(1)).Where(p => p.Second.Sequence - p.First.Sequence > 1000).Select(p => p.First.Sequence).DefaultIfEmpty(0).First();

    private static (StyleTransferService.StyleTransferServiceClient, Operations.OperationsClient) Clients(ServerProcess server) =>
        (new StyleTransferService.StyleTransferServiceClient(server.Channel), new Operations.OperationsClient(server.Channel));

    private static Task<ServerProcess> StartAsync(Dictionary<string, string?> settings, string data) =>
        ServerSteps.ReadyAsync(ServerProcess.Start(settings, data));



    private static async Task<List<StylizeResponse>> WatchAllAsync(ServerProcess server, string name)
    {
        using var timeout = new CancellationTokenSource(Frames.Timeout);
        using var call = new StyleTransferService.StyleTransferServiceClient(server.Channel).WatchStylize(new WatchStylizeRequest { Name = name }, cancellationToken: timeout.Token);
        var frames = new List<StylizeResponse>();
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            frames.Add(call.ResponseStream.Current);
        }
        return frames;
    }
}
