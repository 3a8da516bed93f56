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
    private const int DrainSeconds = 3;

    private static readonly HealthCheckRequest Readiness = new() { Service = "stylegrpc.v1.StyleTransferService" };

    [Fact]
    public async Task Sigterm_RefusesQueuedAndNewAtOnce_DrainsRunningThenEndsItWithUnavailable_AndExits()
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
        // Health says NOT_SERVING, and a new call is refused, while the running job still runs.
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(Readiness)).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        var fresh = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(client, Frames.Request(iterations: 2)));
        Assert.Equal(StatusCode.Unavailable, fresh.StatusCode);
        Assert.False(server.HasExited);

        // Running: keeps going for the drain timeout, then ends with UNAVAILABLE as a status trailer, not a reset.
        var runningError = await Assert.ThrowsAsync<RpcException>(() => Frames.ReadUntilAsync(running, _ => false));
        var runningAt = clock.Elapsed;
        Assert.Equal(StatusCode.Unavailable, runningError.StatusCode);
        Assert.Contains("drain timeout", runningError.Status.Detail);
        // The drain timeout is the behaviour: not stopped before it (a slower machine only ends it later), and stopped
        // within a step and a status write of it (seconds of margin for those milliseconds).
        Assert.InRange(runningAt.TotalSeconds, DrainSeconds - 0.5, DrainSeconds + 7);

        // The process exits on its own, cleanly (the bound only keeps a hang from stalling the run).
        await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"SIGTERM at 0: queued job UNAVAILABLE at {queuedAt.TotalMilliseconds:F0} ms, running job UNAVAILABLE at {runningAt.TotalMilliseconds:F0} ms (drain {DrainSeconds} s), process exited at {clock.Elapsed.TotalMilliseconds:F0} ms, exit code {server.ExitCode}");
        Assert.Equal(0, server.ExitCode);
        // The server's log tells the order: stopping, the queued job refused at once (before the drain timeout stopped the
        // running one, not at the drain's end), the running job stopped, drained, and only then the web server stops.
        var log = string.Join('\n', server.Output);
        var stopping = server.LineOf("Stopping: health NOT_SERVING");
        var refused = server.LineOf("finished: refused: server stopping");
        var stopped = server.LineOf("finished: cancelled by shutdown");
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
