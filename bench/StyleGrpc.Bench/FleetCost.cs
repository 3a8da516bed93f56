using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using StackExchange.Redis;
using StyleGrpc.Client;

namespace StyleGrpc.Bench;

/// <summary>
/// What a call costs a fleet as its queue grows (<c>--only fleet</c>): a real redis-server of the bench's own, one replica
/// on it (<c>Store=redis</c>) whose one slot a long job holds, and small jobs queued behind it up to each level. At each
/// level: SubmitStylize, GetOperation of the newest job and a ListOperations page of 50, as median wall time over 20 calls
/// and the fewest Redis commands one call took (<c>total_commands_processed</c>; the replica's own polling only ever adds),
/// the time to queue the level's jobs, and Redis memory per queued job. Then what remote watchers cost: two replicas, a
/// 1024 px job on one, 0, 1 and 100 watchers on the other, Redis output bytes per second against the bytes of the frames
/// the watchers receive.
/// </summary>
internal static class FleetCost
{
    private const int Calls = 20;

    /// <param name="Watchers">Remote watchers of the job.</param>
    /// <param name="RedisBytesPerSecond">Redis output bytes per second while they watch.</param>
    /// <param name="ReceivedBytesPerSecond">Bytes of the frames one watcher received per second (previews' encoded bytes + 64 per frame).</param>
    public sealed record Watching(int Watchers, double RedisBytesPerSecond, double ReceivedBytesPerSecond, int Frames);

    /// <param name="StoredBytes">What the newest queued job stores, value bytes: its spec (images included) and its record.</param>
    public sealed record Level(int Queued, double SubmitMs, long SubmitCommands, double GetMs, long GetCommands, double ListMs, long ListCommands,
        double QueueingSeconds, double BytesPerJob, long StoredBytes);

    public static async Task<(IReadOnlyList<Level> Levels, int ContentBytes)> MeasureAsync(BenchSettings settings, int[] levels)
    {
        var (redis, admin) = await PrivateRedis.StartAsync();
        await using (redis)
        using (admin)
        {
            var port = redis.Port;
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
            await client.RegisterStyleAsync("starry", await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")),
                new RegisterStyleOptions { StyleSize = 128 });
            var style = StyleSpec.Registered("starry");
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
                var id = newest[(newest.IndexOf('/') + 1)..];
                var db = admin.GetDatabase();
                var stored = (await db.HashValuesAsync($"stylegrpc:job:{id}:spec")).Sum(v => (long)((byte[])v!).Length) + await db.HashStringLengthAsync($"stylegrpc:job:{id}", "record");
                var row = new Level(queued, submitMs, submitCommands, getMs, getCommands, listMs, listCommands, queueing, bytesPerJob, stored);
                Console.WriteLine($"  {queued} queued: SubmitStylize {submitMs:F1} ms ({submitCommands} commands), GetOperation {getMs:F1} ms ({getCommands}), " +
                    $"ListOperations of 50 {listMs:F1} ms ({listCommands}); queueing this level {queueing:F1} s; Redis {bytesPerJob / 1024:F1} KiB per queued job, " +
                    $"{stored / 1024.0:F1} KiB stored (spec and record)");
                results.Add(row);
            }
            await client.CancelOperationAsync(holder.Name);
            return (results, content.Length);
        }
    }

    /// <summary>Two replicas on a private Redis; a 1024 px job on one; Redis output with 0, 1 and 100 watchers on the other.</summary>
    public static async Task<IReadOnlyList<Watching>> MeasureWatchersAsync(BenchSettings settings, TimeSpan window)
    {
        var (redis, admin) = await PrivateRedis.StartAsync();
        await using (redis)
        using (admin)
        {
            var port = redis.Port;
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            var fleet = new Dictionary<string, string?>
            {
                ["StyleGrpc:Store"] = "redis",
                ["StyleGrpc:Redis"] = $"127.0.0.1:{port}",
                ["StyleGrpc:ConcurrentJobs"] = "1",
                ["StyleGrpc:CheckpointSeconds"] = "5",
                ["StyleGrpc:MemoryBudgetBytes"] = (8L << 30).ToString(CultureInfo.InvariantCulture),
            };
            await using var a = await BenchServer.StartAsync(fleet);
            await using var b = await BenchServer.StartAsync(fleet);
            using var onA = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(a.Address) });
            using var onB = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(b.Address) });
            var content = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "tubingen.jpg"));
            await onA.RegisterStyleAsync("starry", await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")),
                new RegisterStyleOptions { StyleSize = 512 });
            var job = await onA.SubmitStylizeAsync(content, StyleSpec.Registered("starry"),
                new StylizeOptions { MaxSide = 1024, Iterations = 500, RelativeTolerance = 0, PreviewEvery = 5, Optimizer = OptimizerKind.Adam });
            JobOperation running;
            while ((running = await onA.GetOperationAsync(job.Name)).Metadata is not { State: JobState.Running, Iteration: > 0 })
            {
                await Task.Delay(200);
            }
            // The watchers go to the replica that does not run it.
            var remote = running.Metadata.Replica.EndsWith(":" + new Uri(a.Address).Port, StringComparison.Ordinal) ? onB : onA;
            var results = new List<Watching>();
            foreach (var watchers in new[] { 0, 1, 100 })
            {
                using var stop = new CancellationTokenSource();
                var received = new long[Math.Max(watchers, 1)];
                var frames = new int[Math.Max(watchers, 1)];
                var counting = new StrongBox<bool>(false);
                var tasks = Enumerable.Range(0, watchers).Select(w => Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var update in remote.WatchStylizeAsync(job.Name, 0, stop.Token))
                        {
                            if (Volatile.Read(ref counting.Value))
                            {
                                received[w] += 64 + ((update as JobProgress)?.Preview?.Data.Length ?? 0);
                                frames[w]++;
                            }
                        }
                    }
                    catch (Exception) when (stop.IsCancellationRequested)
                    {
                        // The window is over.
                    }
                })).ToList();
                // Attached and caught up (the replay of the kept frames is a watcher's cost once, not per second).
                await Task.Delay(TimeSpan.FromSeconds(5));
                var before = await PrivateRedis.StatAsync(server, "stats", "total_net_output_bytes");
                var clock = Stopwatch.StartNew();
                Volatile.Write(ref counting.Value, true);
                await Task.Delay(window);
                Volatile.Write(ref counting.Value, false);
                var bytes = await PrivateRedis.StatAsync(server, "stats", "total_net_output_bytes") - before;
                var seconds = clock.Elapsed.TotalSeconds;
                await stop.CancelAsync();
                await Task.WhenAll(tasks);
                var row = new Watching(watchers, bytes / seconds, watchers == 0 ? 0 : received.Average() / seconds, watchers == 0 ? 0 : (int)frames.Average());
                Console.WriteLine($"  {watchers} remote watchers: Redis output {row.RedisBytesPerSecond / 1024:F1} KiB/s; one watcher received {row.ReceivedBytesPerSecond / 1024:F1} KiB/s in {row.Frames} frames");
                results.Add(row);
            }
            await onA.CancelOperationAsync(job.Name);
            return results;
        }
    }

    /// <summary>
    /// Fairness of the fleet's queue: 10 keys queue 1,000 jobs each, one key after the other (the worst order for a plain
    /// FIFO); the first 10 jobs replicas take must include every key's first. Answers the keys of those 10, in order.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MeasureFairnessAsync(int keys, int jobsPerKey)
    {
        var (redis, admin) = await PrivateRedis.StartAsync();
        await using (redis)
        using (admin)
        {
            var port = redis.Port;
            using var connection = new StyleGrpc.Server.Storage.RedisConnection(Microsoft.Extensions.Options.Options.Create(
                new StyleGrpc.Server.Settings.StyleGrpcServerOptions { Redis = $"127.0.0.1:{port}" }));
            var queue = new StyleGrpc.Server.Operations.RedisJobQueue(connection);
            var n = 0;
            for (var key = 0; key < keys; key++)
            {
                for (var j = 0; j < jobsPerKey; j++, n++)
                {
                    await queue.EnqueueAsync("network", n.ToString("x12", CultureInfo.InvariantCulture), $"key{key}");
                }
            }
            var taken = new List<string>();
            for (var i = 0; i < keys; i++)
            {
                var job = await queue.TryTakeNextAsync("network", "replica") ?? throw new InvalidOperationException("the queue ran dry");
                taken.Add(job.Caller);
            }
            Console.WriteLine($"  fairness: {keys} keys × {jobsPerKey:N0} queued one key after the other; the first {keys} taken: {string.Join(", ", taken)}");
            return taken;
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

    private static async Task<long> CommandsAsync(IServer server) => await PrivateRedis.StatAsync(server, "stats", "total_commands_processed");

    private static async Task<long> UsedMemoryAsync(IServer server) => await PrivateRedis.StatAsync(server, "memory", "used_memory");

    /// <summary>The section's table for docs/performance.md.</summary>
    public static string Markdown(IReadOnlyList<Level> levels, int contentBytes)
    {
        var md = new StringBuilder("## Fleet: cost per call as the queue grows\n\n");
        md.AppendLine($"One replica on a private redis-server (`Store=redis`), its one slot held by a long job; small jobs (a {contentBytes / 1024} KiB JPEG, " +
            "a registered style) queued behind it. Times are medians of 20 calls; commands are the fewest one call took (`total_commands_processed`).\n");
        md.AppendLine("| queued jobs | SubmitStylize | Redis commands | GetOperation (newest) | Redis commands | ListOperations, page of 50 | Redis commands | queueing the level | Redis memory per queued job | stored: spec + record |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in levels)
        {
            md.AppendLine(FormattableString.Invariant(
                $"| {l.Queued:N0} | {l.SubmitMs:F1} ms | {l.SubmitCommands} | {l.GetMs:F1} ms | {l.GetCommands} | {l.ListMs:F1} ms | {l.ListCommands} | {l.QueueingSeconds:F1} s | {l.BytesPerJob / 1024:F0} KiB | {l.StoredBytes / 1024.0:F1} KiB |"));
        }
        return md.ToString();
    }

    /// <summary>The watchers' table for docs/performance.md.</summary>
    public static string WatchersMarkdown(IReadOnlyList<Watching> rows)
    {
        var md = new StringBuilder("## Fleet: what remote watchers cost Redis\n\n");
        md.AppendLine("Two replicas on a private redis-server; a 1024 px job (Adam, a preview every 5 iterations, checkpoints every 5 s) runs on one, " +
            "the watchers watch it on the other. Redis output (`total_net_output_bytes`) per second, and the bytes of the frames one watcher " +
            "received per second (the previews' encoded bytes + 64 per frame).\n");
        md.AppendLine("| remote watchers | Redis output | frames one watcher received | received by one watcher |");
        md.AppendLine("|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            md.AppendLine(FormattableString.Invariant($"| {r.Watchers} | {r.RedisBytesPerSecond / 1024:F1} KiB/s | {r.Frames} | {r.ReceivedBytesPerSecond / 1024:F1} KiB/s |"));
        }
        return md.ToString();
    }
}
