using System.Diagnostics;
using Grpc.Core;
using Xunit.Abstractions;
using Grpc.Health.V1;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>SIGTERM to a real server process: the order operators and load balancers rely on.</summary>
[Collection(ServerCollection.Name)]
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private const int SigTerm = 15;
    // Far above what a hand-back takes on any machine: a job handed back before it was not waited out.
    private const int DrainSeconds = 600;

    private static readonly HealthCheckRequest Readiness = new() { Service = "stylegrpc.v1.StyleTransferService" };

    [Fact]
    public async Task Sigterm_RefusesQueuedAtOnce_ChecksPointsAndHandsBackTheRunningJob_AndExits()
    {
        await using var server = ServerProcess.Start(new Dictionary<string, string?>
        {
            ["StyleGrpc:DrainTimeoutSeconds"] = DrainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["StyleGrpc:ConcurrentJobs"] = "1",
        });
        var client = new StyleTransferService.StyleTransferServiceClient(server.Channel);
        var health = new Health.HealthClient(server.Channel);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => IsServing(health), TimeSpan.FromSeconds(60)), string.Join('\n', server.Output));
        await client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 });
        using var running = client.Stylize(Frames.LongRequest());
        await Frames.ReadUntilAsync(running, f => f.Progress is not null);
        using var queued = client.Stylize(Frames.Request(iterations: 3));
        Assert.Equal(1, (await Frames.ReadUntilAsync(queued, f => f.Accepted is not null))[0].Accepted.QueuePosition);

        var clock = Stopwatch.StartNew();
        server.Signal(SigTerm);

        // Queued: refused at once, with a real status that says why.
        var queuedError = await Assert.ThrowsAsync<RpcException>(() => Frames.ReadUntilAsync(queued, _ => false));
        var queuedAt = clock.Elapsed;
        Assert.Equal(StatusCode.Unavailable, queuedError.StatusCode);
        Assert.Contains("stopping", queuedError.Status.Detail);
        // Running: checkpointed after its current iteration and handed back to the job store (the next start resumes it,
        // DurableJobTests), well before the drain timeout; the call ends with UNAVAILABLE as a status trailer, not a reset.
        var runningError = await Assert.ThrowsAsync<RpcException>(() => Frames.ReadUntilAsync(running, _ => false));
        var runningAt = clock.Elapsed;
        Assert.Equal(StatusCode.Unavailable, runningError.StatusCode);
        Assert.Contains("handed back", runningError.Status.Detail);
        Assert.True(runningAt < TimeSpan.FromSeconds(DrainSeconds), $"the running job was handed back after {runningAt}, the drain timeout is {DrainSeconds} s");

        // The process exits on its own, cleanly (the bound only keeps a hang from stalling the run).
        await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"SIGTERM at 0: queued job UNAVAILABLE at {queuedAt.TotalMilliseconds:F0} ms, running job UNAVAILABLE at {runningAt.TotalMilliseconds:F0} ms (drain {DrainSeconds} s), process exited at {clock.Elapsed.TotalMilliseconds:F0} ms, exit code {server.ExitCode}");
        Assert.Equal(0, server.ExitCode);
        // The server's log tells the order: stopping (health NOT_SERVING, new calls refused), the queued job refused at once,
        // the running job stopped once its checkpoint was stored, drained, and only then the web server stops.
        var log = string.Join('\n', server.Output);
        var stopping = server.LineOf("Stopping: health NOT_SERVING");
        var refused = server.LineOf("its watch ended: server stopping");
        var stopped = server.LineOf("finished: handed back at shutdown");
        var drained = server.LineOf("Drained;");
        Assert.True(stopping >= 0 && refused > stopping && stopped > refused && drained > stopped, log);
    }

    private static bool IsServing(Health.HealthClient health)
    {
        try
        {
            return health.Check(Readiness, deadline: DateTime.UtcNow.AddSeconds(2)).Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
