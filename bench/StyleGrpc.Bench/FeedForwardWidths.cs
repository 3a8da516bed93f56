using System.Diagnostics;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using static StyleGrpc.Bench.BenchSettings;

namespace StyleGrpc.Bench;

/// <summary>How fast candidate feed-forward widths stylise a 512 px photo (untrained weights: speed does not depend on them).</summary>
internal static class FeedForwardWidths
{
    public static IReadOnlyList<FeedForwardArchitecture> Candidates { get; } =
    [
        new(32, 64, 128, 5), new(16, 32, 64, 5), new(16, 32, 64, 3), new(16, 32, 48, 4), new(8, 16, 32, 3),
    ];

    /// <summary>Median milliseconds of a 512 px forward pass per architecture (3 timed after one warm-up).</summary>
    public static List<(FeedForwardArchitecture Architecture, double Ms)> Measure(RgbImage photo)
    {
        var (w, h) = ImageCodec.FitWithin(photo.Width, photo.Height, 512, upscale: true);
        var content = ImageCodec.Resize(photo, w, h);
        var rows = new List<(FeedForwardArchitecture, double)>();
        foreach (var architecture in Candidates)
        {
            using var model = FeedForwardModel.Untrained(architecture, 1);
            model.Stylize(content, 0, CancellationToken.None);
            var times = Enumerable.Range(0, 3).Select(_ =>
            {
                var clock = Stopwatch.StartNew();
                model.Stylize(content, 0, CancellationToken.None);
                return clock.Elapsed.TotalMilliseconds;
            }).Order().ToList();
            Console.WriteLine($"  feed-forward {architecture.Channels1}/{architecture.Channels2}/{architecture.Channels3}, {architecture.ResidualBlocks} blocks, {w}x{h}: {F(times[1])} ms");
            rows.Add((architecture, times[1]));
        }
        return rows;
    }
}
