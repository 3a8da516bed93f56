using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StyleGrpc.Client;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Bench;

/// <summary>The same job through gRPC (in-process server on loopback, real HTTP/2) and through the engine alone.</summary>
internal static class EndToEnd
{
    /// <param name="OverheadPercent">(fastest registered call − fastest engine-alone run) / fastest engine-alone run: interference on a
    /// shared machine only ever adds time, so the fastest of several rounds is each path's own cost.</param>
    /// <param name="PairedOverheadPercent">Median over rounds of (registered call − engine alone) / engine alone, the two measured back to back.</param>
    /// <param name="InCallOverheadPercent">Median over registered calls of (wall time − the server's own run time of that job) / run time:
    /// everything but the optimisation, measured within one call, so free of run-to-run noise.</param>
    public sealed record Result(int Iterations, int Size, int Repeats, double EngineSeconds, double GrpcRegisteredSeconds, double GrpcInlineSeconds,
        double StyleTargetsSeconds, long TargetsComputedByRegisteredCalls, double EngineFastestSeconds, double GrpcRegisteredFastestSeconds,
        double PairedOverheadPercent, double InCallOverheadPercent)
    {
        public double OverheadPercent => (GrpcRegisteredFastestSeconds - EngineFastestSeconds) / EngineFastestSeconds * 100;

        public double InlineExtraSeconds => GrpcInlineSeconds - GrpcRegisteredSeconds;
    }

    public static async Task<Result> MeasureAsync(BenchSettings settings, int size, int iterations, int repeats)
    {
        await using var server = await BenchServer.StartAsync();
        var app = server.App;
        {
            var engine = server.Engine;
            using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(server.Address) });
            var contentBytes = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "tubingen.jpg"));
            var styleBytes = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "starry_night.jpg"));
            await client.RegisterStyleAsync("starry", styleBytes, new RegisterStyleOptions { StyleSize = size });
            var options = new StylizeOptions { MaxSide = size, Iterations = iterations, StyleScale = 1, RelativeTolerance = 0 };
            var content = ImageCodec.Decode(contentBytes);
            var style = ImageCodec.Decode(styleBytes);

            // One untimed call of each kind: JIT, connection and first-use costs are not per-request costs.
            await TimeCallAsync(client, contentBytes, StyleSpec.Registered("starry"), options with { Iterations = 2 });
            await TimeCallAsync(client, contentBytes, StyleSpec.Inline(styleBytes), options with { Iterations = 2 });
            var engineTimes = new List<double>();
            var registeredTimes = new List<double>();
            var inlineTimes = new List<double>();
            var targetTimes = new List<double>();
            var inCall = new List<double>();
            var registry = app.Services.GetRequiredService<StyleGrpc.Server.Styles.StyleRegistry>();
            long computedByRegistered = 0;
            for (var i = 0; i < repeats; i++)
            {
                // Rotate the order so drift on a shared machine does not favour one path.
                var order = new Func<Task>[]
                {
                    async () =>
                    {
                        var clock = Stopwatch.StartNew();
                        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = size });
                        targetTimes.Add(clock.Elapsed.TotalSeconds);
                        clock.Restart();
                        // RunAsync: the same worker threads the server's jobs use.
                        await foreach (var _ in engine.RunAsync(content, targets, new StyleTransferOptions { MaxSide = size, Iterations = iterations, RelativeTolerance = 0 }))
                        {
                        }
                        engineTimes.Add(clock.Elapsed.TotalSeconds);
                    },
                    async () =>
                    {
                        var before = registry.TargetsComputed;
                        var (wall, run) = await TimeCallAsync(client, contentBytes, StyleSpec.Registered("starry"), options);
                        registeredTimes.Add(wall);
                        inCall.Add((wall - run) / run * 100);
                        computedByRegistered += registry.TargetsComputed - before;
                    },
                    async () => inlineTimes.Add((await TimeCallAsync(client, contentBytes, StyleSpec.Inline(styleBytes), options)).Wall),
                };
                for (var k = 0; k < order.Length; k++)
                {
                    await order[(i + k) % order.Length]();
                }
            }
            var paired = registeredTimes.Zip(engineTimes, (grpc, alone) => (grpc - alone) / alone * 100).ToList();
            Console.WriteLine($"  per round, gRPC vs engine alone %: {string.Join(", ", paired.Select(p => BenchSettings.F(p, "F2")))}; within the call %: {string.Join(", ", inCall.Select(p => BenchSettings.F(p, "F2")))}");
            return new Result(iterations, size, repeats, Median(engineTimes), Median(registeredTimes), Median(inlineTimes), Median(targetTimes), computedByRegistered,
                engineTimes.Min(), registeredTimes.Min(), Median(paired), Median(inCall));
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Wall time of one call, and the run time the server reports for its job.</summary>
    private static async Task<(double Wall, double Run)> TimeCallAsync(StyleGrpcClient client, byte[] content, StyleSpec style, StylizeOptions options)
    {
        var clock = Stopwatch.StartNew();
        await foreach (var update in client.StylizeAsync(content, style, options))
        {
            if (update is JobCompleted done)
            {
                return (clock.Elapsed.TotalSeconds, done.RunTime.TotalSeconds);
            }
        }
        throw new InvalidOperationException("no result");
    }
}
