using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using StyleGrpc.Protos.V1;
using Xunit.Abstractions;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// What queued jobs cost the real server process in memory (issue 16, "decode after admission"): while a job waits
/// it should hold its encoded bytes, not its decoded pixels. A process of its own, because the point is its RSS.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class QueuedMemoryTests(ITestOutputHelper output)
{
    private const int Side = 6000;
    private const int Queued = 16;
    private const long MaxRequestBytes = 32L << 20;
    private const long AllowedRiseBytes = 300L << 20;

    private static readonly HealthCheckRequest Readiness = new() { Service = "stylegrpc.v1.StyleTransferService" };

    [Fact]
    public async Task Stylize_SixteenQueuedFortyMegapixelJpegsFor512_RaiseTheServersRssByLessThan300MiB()
    {
        var jpeg = ByteString.CopyFrom(LargeJpeg.FromPhoto("tubingen.jpg", Side, Side, quality: 90));
        Assert.InRange(jpeg.Length, 1, MaxRequestBytes - 1024);
        await using var server = ServerProcess.Start(new Dictionary<string, string?>
        {
            ["StyleGrpc:MaxSide"] = "512",
            ["StyleGrpc:QueueCapacity"] = "20",
            ["StyleGrpc:ConcurrentJobs"] = "1",
            ["StyleGrpc:MaxRequestBytes"] = MaxRequestBytes.ToString(),
            ["StyleGrpc:StallTimeoutSeconds"] = "600",
            ["StyleGrpc:DrainTimeoutSeconds"] = "1",
        });
        var client = new StyleTransferService.StyleTransferServiceClient(server.Channel);
        var health = new Health.HealthClient(server.Channel);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => IsServing(health), TimeSpan.FromSeconds(60)), string.Join('\n', server.Output));
        await client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 },
            deadline: DateTime.UtcNow + Frames.Timeout);

        using var cancel = new CancellationTokenSource();
        using var running = client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
        await Frames.ReadUntilAsync(running, f => f.Progress is not null);
        var before = await SettledAsync(server.Id);

        var calls = Enumerable.Range(0, Queued).Select(_ => client.Stylize(new StylizeRequest
        {
            ContentImage = jpeg,
            StyleName = "starry",
            Options = new StylizeOptions { MaxSide = 512, Iterations = 5, Seed = 3 },
        }, cancellationToken: cancel.Token)).ToList();
        try
        {
            var accepted = await Task.WhenAll(calls.Select(c => Frames.ReadUntilAsync(c, f => f.Accepted is not null)));
            Assert.All(accepted, frames => Assert.InRange(frames[^1].Accepted.QueuePosition, 1, Queued));
            Assert.True(await ServerTestSetup.EventuallyAsync(() => QueuedJobs(client) == Queued, TimeSpan.FromSeconds(30)),
                $"server reports {QueuedJobs(client)} queued");
            var after = await SettledAsync(server.Id);
            var peak = Status(server.Id, "VmHWM");

            var rise = after - before;
            output.WriteLine($"JPEG {Side}×{Side} q90: {jpeg.Length} bytes ({jpeg.Length / 1048576.0:F1} MiB); {Queued} queued for max_side 512");
            output.WriteLine($"server RSS with one job running: {Mib(before)}; with {Queued} more queued: {Mib(after)}; rise {Mib(rise)} "
                + $"(allowed {Mib(AllowedRiseBytes)}); peak RSS (VmHWM) {Mib(peak)}");
            Assert.True(rise < AllowedRiseBytes, $"{Queued} queued jobs raised the server's RSS by {Mib(rise)}, more than {Mib(AllowedRiseBytes)}");
        }
        finally
        {
            await cancel.CancelAsync();
            calls.ForEach(c => c.Dispose());
        }
    }

    // VmRSS once it has stopped moving (two readings 1 s apart within 4 MiB), or after 15 s: nothing is forced.
    private static async Task<long> SettledAsync(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var last = Status(pid, "VmRSS");
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            var now = Status(pid, "VmRSS");
            if (Math.Abs(now - last) < 4L << 20)
            {
                return now;
            }
            last = now;
        }
        return last;
    }

    // A size line of /proc/{pid}/status ("VmRSS:   123456 kB"), in bytes.
    private static long Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:F0} MiB";

    private static int QueuedJobs(StyleTransferService.StyleTransferServiceClient client) =>
        client.GetServerInfo(new GetServerInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).QueuedJobs;

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
