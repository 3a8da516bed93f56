using System.Diagnostics;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Bench;

/// <summary>Jobs per minute with one job at a time versus two at once (cores split, or oversubscribed).</summary>
internal static class Throughput
{
    public sealed record Result(string Setup, int Jobs, double Seconds)
    {
        public double JobsPerMinute => Jobs / Seconds * 60;
    }

    public static IReadOnlyList<Result> Measure(StyleTransferEngine engine, RgbImage content, StyleTargets targets, int size, int iterations, int jobs)
    {
        var cores = Environment.ProcessorCount;
        var options = new StyleTransferOptions { MaxSide = size, Iterations = iterations, RelativeTolerance = 0 };
        engine.Run(content, targets, options with { Iterations = 3 });
        var results = new List<Result>();

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < jobs; i++)
        {
            engine.Run(content, targets, options with { Threads = cores });
        }
        results.Add(new Result($"1 job at a time, {cores} threads", jobs, clock.Elapsed.TotalSeconds));

        foreach (var threads in new[] { Math.Max(1, cores / 2), cores })
        {
            clock.Restart();
            var lanes = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
            {
                for (var i = 0; i < jobs / 2; i++)
                {
                    engine.Run(content, targets, options with { Threads = threads });
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            Task.WaitAll(lanes);
            results.Add(new Result($"2 jobs at once, {threads} thread{(threads == 1 ? "" : "s")} each", jobs, clock.Elapsed.TotalSeconds));
        }
        return results;
    }
}
