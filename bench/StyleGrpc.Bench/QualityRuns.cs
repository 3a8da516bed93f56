using System.Diagnostics;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Bench;

/// <summary>Time to quality: how long each way of optimising takes to reach a given total loss.</summary>
internal static class QualityRuns
{
    public sealed record Reach(string Method, int Iterations, double Seconds, bool Reached, double FinalLoss);

    /// <summary>Runs until the total loss (at the final scale) is at most <paramref name="target"/>, or the budget ends.</summary>
    public static Reach RunUntil(StyleTransferEngine engine, RgbImage content, StyleTargets targets, StyleTransferOptions options, double target, string method)
    {
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        (int Iteration, double Seconds, double Loss)? hit = null;
        var last = double.NaN;
        var lastIteration = 0;
        try
        {
            engine.Run(content, targets, options, p =>
            {
                last = p.TotalLoss;
                lastIteration = p.Iteration;
                // Only the output size's losses compare with the target.
                if (p.Scale == p.Scales && p.TotalLoss <= target && hit is null)
                {
                    hit = (p.Iteration, clock.Elapsed.TotalSeconds, p.TotalLoss);
                    cts.Cancel();
                }
            }, cts.Token);
        }
        catch (OperationCanceledException) when (hit is not null)
        {
        }
        return hit is { } h
            ? new Reach(method, h.Iteration, h.Seconds, true, h.Loss)
            : new Reach(method, lastIteration, clock.Elapsed.TotalSeconds, false, last);
    }

    /// <summary>Iteration, seconds since the start and total loss after every iteration of one run.</summary>
    public static List<(int Iteration, double Seconds, double Loss)> Curve(StyleTransferEngine engine, RgbImage content, StyleTargets targets, StyleTransferOptions options)
    {
        var clock = Stopwatch.StartNew();
        var curve = new List<(int, double, double)>();
        engine.Run(content, targets, options, p => curve.Add((p.Iteration, clock.Elapsed.TotalSeconds, p.TotalLoss)));
        return curve;
    }

    public static StyleTransferOptions Options(OptimizerKind optimizer, string preset, int size, int iterations) => new()
    {
        MaxSide = size,
        Preset = preset,
        Optimizer = optimizer,
        Iterations = iterations,
        RelativeTolerance = 0,
    };
}
