using System.Diagnostics;
using Grpc.Core;
using StyleGrpc.Client;
using StyleGrpc.Engine;

namespace StyleGrpc.Bench;

/// <summary>
/// The reliability figures of docs/reliability.md: many small jobs in a row (RSS and live tensors early and late),
/// then many callers at once against a bounded queue (completed versus refused).
/// </summary>
internal static class Soak
{
    public sealed record Result(int Jobs, double RssAtJob10Mb, double RssAtLastJobMb, long LiveTensorsAtJob10, long LiveTensorsAtEnd,
        double SecondsPerJob, int Callers, int Completed, int Refused, int OtherErrors, int QueueCapacity, double BurstSeconds);

    public static async Task<Result> MeasureAsync(BenchSettings settings, int jobs, int callers)
    {
        const int queueCapacity = 16;
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:QueueCapacity"] = queueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(server.Address) });
        var content = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "tubingen.jpg"));
        await client.RegisterStyleAsync("starry", Path.Combine(settings.ImagesDirectory, "starry_night.jpg"), new RegisterStyleOptions { StyleSize = 128 });
        var options = new StylizeOptions { MaxSide = 64, Iterations = 10, RelativeTolerance = 0, PreviewEvery = 5 };

        double rss10 = 0;
        long live10 = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= jobs; i++)
        {
            await RunAsync(client, content, options);
            if (i == 10)
            {
                rss10 = BenchPaths.RssMb();
                live10 = await StyleTransferEngine.LiveTensorsOnWorkersAsync();
            }
        }
        var perJob = clock.Elapsed.TotalSeconds / jobs;
        var rssEnd = BenchPaths.RssMb();
        var liveEnd = await StyleTransferEngine.LiveTensorsOnWorkersAsync();
        Console.WriteLine($"  soak: {jobs} jobs, {BenchSettings.F(perJob, "F3")} s/job; RSS at job 10 {BenchSettings.F(rss10, "F0")} MiB, at job {jobs} {BenchSettings.F(rssEnd, "F0")} MiB; live tensors {live10} -> {liveEnd}");

        // Burst: every caller at once, one connection each; one job runs, queueCapacity wait, the rest are refused.
        var burstOptions = options with { Iterations = 20, PreviewEvery = 0 };
        clock.Restart();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            using var own = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(server.Address) });
            try
            {
                await RunAsync(own, content, burstOptions);
                return StatusCode.OK;
            }
            catch (StyleGrpcException ex)
            {
                return ex.StatusCode;
            }
        }));
        var burst = clock.Elapsed.TotalSeconds;
        var completed = outcomes.Count(o => o == StatusCode.OK);
        var refused = outcomes.Count(o => o == StatusCode.ResourceExhausted);
        Console.WriteLine($"  burst: {callers} callers at once, queue {queueCapacity}: {completed} completed, {refused} RESOURCE_EXHAUSTED, {callers - completed - refused} other, {BenchSettings.F(burst, "F1")} s");
        return new Result(jobs, rss10, rssEnd, live10, liveEnd, perJob, callers, completed, refused, callers - completed - refused, queueCapacity, burst);
    }

    private static async Task RunAsync(StyleGrpcClient client, byte[] content, StylizeOptions options)
    {
        await foreach (var _ in client.StylizeAsync(content, StyleSpec.Registered("starry"), options))
        {
        }
    }
}
