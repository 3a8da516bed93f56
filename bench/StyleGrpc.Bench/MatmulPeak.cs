using System.Diagnostics;
using static TorchSharp.torch;

namespace StyleGrpc.Bench;

/// <summary>GFLOP/s of a large float32 matrix product in this process: the machine's practical peak.</summary>
internal static class MatmulPeak
{
    public static double Measure(int n = 2048, int repeats = 10)
    {
        using var scope = NewDisposeScope();
        var a = rand(n, n);
        var b = rand(n, n);
        var times = new List<double>();
        for (var i = 0; i < repeats + 3; i++)
        {
            using var inner = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            a.mm(b);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        var median = times.Skip(3).Order().ElementAt(repeats / 2);
        return 2.0 * n * n * n / median / 1e9;
    }
}
