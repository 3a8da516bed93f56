using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Bench;

/// <summary>
/// What regions (guided Gram matrices, docs/engine.md "Control") cost per step: ms/step with 0, 1, 2 and 4 regions, each a
/// vertical stripe in its own style, Adam (every step does the same work), in this process. The counts run in rotation for
/// several rounds. Each count's fastest step over all rounds is the figure the target uses (other work on a shared machine
/// only ever adds time, and it came and went by a factor of 5 within a minute while this was written); the median over
/// rounds of each run's median step is reported beside it.
/// </summary>
internal static class RegionsCost
{
    public sealed record Result(int Regions, double FastestMs, double FastestRatio, double MedianMs, double MedianRatio);

    private static readonly string[] Styles = ["the_scream.jpg", "woman-with-hat-matisse.jpg", "starry_night.jpg", "shipwreck.jpg"];

    public static IReadOnlyList<Result> Measure(StyleTransferEngine engine, string imagesDirectory, int size, int steps, int warmup, int rounds)
    {
        var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(imagesDirectory, "tubingen.jpg")), long.MaxValue, size);
        var own = Targets(engine, imagesDirectory, "starry_night.jpg", size);
        var others = Styles.Select(s => Targets(engine, imagesDirectory, s, size)).ToList();
        int[] counts = [0, 1, 2, 4];
        var samples = counts.ToDictionary(c => c, _ => new List<double>());
        var fastest = counts.ToDictionary(c => c, _ => double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var count in counts.Skip(round % counts.Length).Concat(counts.Take(round % counts.Length)))
            {
                var durations = Steps(engine, content, own, others, count, size, steps, warmup);
                samples[count].Add(Median(durations));
                fastest[count] = Math.Min(fastest[count], durations.Min());
            }
        }
        var (none, noneFastest) = (Median(samples[0]), fastest[0]);
        return [.. counts.Select(c => new Result(c, fastest[c], fastest[c] / noneFastest, Median(samples[c]), Median(samples[c]) / none))];
    }

    private static List<double> Steps(StyleTransferEngine engine, RgbImage content, StyleTargets own, IReadOnlyList<StyleTargets> others, int count,
        int size, int steps, int warmup)
    {
        var (width, height) = (content.Width, content.Height);
        var regions = Enumerable.Range(0, count).Select(r =>
        {
            // Stripe r + 1 of count + 1: the request's own style keeps the first.
            var values = new float[width * height];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (i % width) * (count + 1) / width == r + 1 ? 1 : 0;
            }
            return new StyleRegion(new RegionMask(width, height, values), [others[r]]);
        }).ToList();
        var options = new StyleTransferOptions
        {
            MaxSide = size, Iterations = warmup + steps, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0,
            Regions = count == 0 ? null : [.. regions.Select(_ => new RegionOptions(width, height))],
        };
        var plan = engine.Plan(width, height, options);
        var stamps = new List<TimeSpan>();
        engine.Run(content, [own], plan, new RunInputs { Regions = regions, OnProgress = p => stamps.Add(p.Elapsed) });
        return [.. stamps.Zip(stamps.Skip(1), (a, b) => (b - a).TotalMilliseconds).Skip(warmup - 1)];
    }

    private static StyleTargets Targets(StyleTransferEngine engine, string directory, string name, int size) =>
        engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(Path.Combine(directory, name)), long.MaxValue, size), new StyleTargetOptions { MaxSide = size });

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
