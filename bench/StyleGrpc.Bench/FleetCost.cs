using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;
using StyleGrpc.Client;

namespace StyleGrpc.Bench;

/// <summary>
/// What a call costs a fleet as its queue grows (<c>--only fleet</c>): a real redis-server of the bench's own, one replica
/// on it (<c>Store=redis</c>) whose one slot a long job holds, and small jobs queued behind it up to each level. At each
/// level: SubmitStylize, GetOperation of the newest job and a ListOperations page of 50, as median wall time over 20 calls
/// and the fewest Redis commands one call took (<c>total_commands_processed</c>; the replica's own polling only ever adds),
/// the time to queue the level's jobs, and Redis memory per queued job.
/// </summary>
internal static class FleetCost
{
    private const int Calls = 20;

    public sealed record Level(int Queued, double SubmitMs, long SubmitCommands, double GetMs, long GetCommands, double ListMs, long ListCommands,
        double QueueingSeconds, double BytesPerJob);

    public static async Task<(IReadOnlyList<Level> Levels, int ContentBytes)> MeasureAsync(BenchSettings settings, int[] levels)
    {
        var directory = Directory.CreateTempSubdirectory("stylegrpc-bench-redis").FullName;
        var port = FreePort();
        using var redis = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
        try
        {
            using var admin = await ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            await using var replica = await BenchServer.StartAsync(new Dictionary<string, string?>
            {
                ["StyleGrpc:Store"] = "redis",
                ["StyleGrpc:Redis"] = $"127.0.0.1:{port}",
                ["StyleGrpc:QueueCapacity"] = "100000",
                ["StyleGrpc:ConcurrentJobs"] = "1",
            });
            using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(replica.Address) });
            var content = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "tubingen.jpg"));
            var style = StyleSpec.Inline(await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")));
            var small = new StylizeOptions { MaxSide = 64, Iterations = 1 };

            // The one slot, held for the whole measurement.
            var holder = await client.SubmitStylizeAsync(content, style, new StylizeOptions { MaxSide = 128, Iterations = 5000, RelativeTolerance = 0 });
            while ((await client.GetOperationAsync(holder.Name)).Metadata is not { State: JobState.Running })
            {
                await Task.Delay(100);
            }
            var memoryBefore = await UsedMemoryAsync(server);
            var results = new List<Level>();
            string newest = holder.Name;
            var queued = 0;
            foreach (var level in levels)
            {
                var clock = Stopwatch.StartNew();
                for (; queued < level - Calls; queued++)
                {
                    newest = (await client.SubmitStylizeAsync(content, style, small)).Name;
                }
                var (submitMs, submitCommands) = await MeasureCallsAsync(server, async () => newest = (await client.SubmitStylizeAsync(content, style, small)).Name);
                queued += Calls;
                var queueing = clock.Elapsed.TotalSeconds;
                var bytesPerJob = (await UsedMemoryAsync(server) - memoryBefore) / (double)queued;
                var (getMs, getCommands) = await MeasureCallsAsync(server, () => client.GetOperationAsync(newest));
                var (listMs, listCommands) = await MeasureCallsAsync(server, () => client.ListOperationsAsync(50));
                var row = new Level(queued, submitMs, submitCommands, getMs, getCommands, listMs, listCommands, queueing, bytesPerJob);
                Console.WriteLine($"  {queued} queued: SubmitStylize {submitMs:F1} ms ({submitCommands} commands), GetOperation {getMs:F1} ms ({getCommands}), " +
                    $"ListOperations of 50 {listMs:F1} ms ({listCommands}); queueing this level {queueing:F1} s; Redis {bytesPerJob / 1024:F1} KiB per queued job");
                results.Add(row);
            }
            await client.CancelOperationAsync(holder.Name);
            return (results, content.Length);
        }
        finally
        {
            redis.Kill();
            await redis.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(double MedianMs, long FewestCommands)> MeasureCallsAsync(IServer server, Func<Task> call)
    {
        var times = new List<double>();
        var commands = new List<long>();
        for (var i = 0; i < Calls; i++)
        {
            var before = await CommandsAsync(server);
            var clock = Stopwatch.StartNew();
            await call();
            times.Add(clock.Elapsed.TotalMilliseconds);
            // Less the INFO that measures it.
            commands.Add(await CommandsAsync(server) - before - 1);
        }
        times.Sort();
        return (times[times.Count / 2], commands.Min());
    }

    private static async Task<long> CommandsAsync(IServer server) => await StatAsync(server, "stats", "total_commands_processed");

    private static async Task<long> UsedMemoryAsync(IServer server) => await StatAsync(server, "memory", "used_memory");

    private static async Task<long> StatAsync(IServer server, string section, string key) =>
        long.Parse((await server.InfoAsync(section)).SelectMany(g => g).First(p => p.Key == key).Value, CultureInfo.InvariantCulture);

    private static async Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync(configuration);
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The section's table for docs/performance.md.</summary>
    public static string Markdown(IReadOnlyList<Level> levels, int contentBytes)
    {
        var md = new StringBuilder("## Fleet: cost per call as the queue grows\n\n");
        md.AppendLine($"One replica on a private redis-server (`Store=redis`), its one slot held by a long job; small jobs (a {contentBytes / 1024} KiB JPEG, " +
            "inline style) queued behind it. Times are medians of 20 calls; commands are the fewest one call took (`total_commands_processed`).\n");
        md.AppendLine("| queued jobs | SubmitStylize | Redis commands | GetOperation (newest) | Redis commands | ListOperations, page of 50 | Redis commands | queueing the level | Redis memory per queued job |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in levels)
        {
            md.AppendLine(FormattableString.Invariant(
                $"| {l.Queued:N0} | {l.SubmitMs:F1} ms | {l.SubmitCommands} | {l.GetMs:F1} ms | {l.GetCommands} | {l.ListMs:F1} ms | {l.ListCommands} | {l.QueueingSeconds:F1} s | {l.BytesPerJob / 1024:F0} KiB |"));
        }
        return md.ToString();
    }
}
