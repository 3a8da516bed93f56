using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Bench;

/// <summary>
/// One run for "Coarse-to-fine" (docs/performance.md) on the offline default network, in a child process so its peak RSS
/// is its own: coarse-to-fine or single scale, with the losses of the result measured the same way for both: the total
/// loss at the output size, and the style loss of the result scaled to half and a quarter of it against the style image
/// scaled the same way.
/// </summary>
internal sealed record CoarseToFineRun(
    string Content, string Style, int Width, int Height, int Levels, int Iterations, double Seconds, double TargetSeconds,
    double Total, double ContentLoss, double StyleLoss, double HalfStyleLoss, double QuarterStyleLoss, double PeakRssMb, string Image)
{
    /// <summary>What a run is asked to do.</summary>
    public sealed record Setup(int Size, int Levels, int CoarseIterations, int Iterations, bool Carry, double TimeLimitSeconds,
        OptimizerKind Optimizer = OptimizerKind.Lbfgs, int TileSize = 0, int History = 100)
    {
        public string[] Arguments() =>
            [I(Size), I(Levels), I(CoarseIterations), I(Iterations), Carry ? "1" : "0", TimeLimitSeconds.ToString("R", CultureInfo.InvariantCulture),
                Optimizer.ToString(), I(TileSize), I(History)];
    }

    public static CoarseToFineRun MeasureInChild(Setup setup, string content, string style, string outputPng, BenchSettings settings) =>
        ChildRun.Measure<CoarseToFineRun>(new[] { "--child-scales" }.Concat(setup.Arguments()).Concat([content, style, settings.ImagesDirectory, outputPng]));

    /// <summary>
    /// The child's side: <c>--child-scales size levels coarseIterations(0 = automatic) iterations carry(0/1)
    /// timeLimitSeconds(0 = none) optimizer tileSize(0 = whole) lbfgsHistory content style imagesDir out.png|out.jpg</c>.
    /// </summary>
    public static int RunChild(string[] args)
    {
        var setup = new Setup(P(args[1]), P(args[2]), P(args[3]), P(args[4]), args[5] == "1", double.Parse(args[6], CultureInfo.InvariantCulture),
            Enum.Parse<OptimizerKind>(args[7]), P(args[8]), P(args[9]));
        var (contentName, styleName, images, output) = (args[10], args[11], args[12], args[13]);
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var photo = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(images, contentName)));
        // Print sizes: the photo upscaled to the size asked for (the engine does not upscale content).
        var (contentWidth, contentHeight) = ImageCodec.FitWithin(photo.Width, photo.Height, Math.Max(setup.Size, Math.Max(photo.Width, photo.Height)), upscale: true);
        var content = ImageCodec.Resize(photo, contentWidth, contentHeight);
        var style = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(images, styleName)));
        var options = new StyleTransferOptions
        {
            MaxSide = setup.Size,
            ScaleLevels = setup.Levels,
            CoarseIterations = setup.CoarseIterations > 0 ? setup.CoarseIterations : null,
            Iterations = setup.Iterations,
            Optimizer = setup.Optimizer,
            TileSize = setup.TileSize,
            TileAbove = setup.TileSize > 0 ? 1024 : 0,
            LbfgsHistory = setup.History,
            CarryOptimizerState = setup.Carry,
            TimeLimit = setup.TimeLimitSeconds > 0 ? TimeSpan.FromSeconds(setup.TimeLimitSeconds) : null,
            // Single scale against a time limit runs to the limit; coarse-to-fine stops each level on the default tolerance.
            RelativeTolerance = setup.TimeLimitSeconds > 0 ? 0 : new StyleTransferOptions().RelativeTolerance,
        };
        // The style keeps its size relative to the output (an inline style at scale 1).
        var clock = Stopwatch.StartNew();
        var plan = engine.Plan(content.Width, content.Height, options);
        var levelTargets = engine.ComputeLevelTargets(style, setup.Size, plan);
        var targetSeconds = clock.Elapsed.TotalSeconds;
        var levels = new SortedDictionary<int, (int Side, int Iterations, double Seconds, double First, double Last)>();
        var result = engine.Run(content, levelTargets, plan, new RunInputs
        {
            OnProgress = p =>
            {
                var seen = levels.TryGetValue(p.Scale, out var level);
                levels[p.Scale] = (p.Side, seen ? level.Iterations + 1 : 1, p.Elapsed.TotalSeconds, seen ? level.First : p.TotalLoss, p.TotalLoss);
                if (p.Scale == p.Scales && levels[p.Scale].Iterations % 50 == 0)
                {
                    Console.WriteLine(FormattableString.Invariant($"  final level iteration {levels[p.Scale].Iterations}: {p.Elapsed.TotalSeconds:F1} s, loss {p.TotalLoss:E4} (content {p.ContentLoss:E3}, style {p.StyleLoss:E3})"));
                }
            },
        });
        // The run's own peak, before the measurements below (an untiled pass over the whole result) add theirs.
        var peakRss = BenchPaths.PeakRssMb();
        foreach (var (scale, level) in levels)
        {
            Console.WriteLine(FormattableString.Invariant($"level {scale} ({level.Side} px): {level.Iterations} iterations, until {level.Seconds:F1} s, loss {level.First:E3} -> {level.Last:E3}"));
        }
        var full = engine.Measure(result.Image, content, levelTargets[^1], options);
        var half = StyleAt(engine, result.Image, content, style, options, 2);
        var quarter = StyleAt(engine, result.Image, content, style, options, 4);
        File.WriteAllBytes(output, output.EndsWith(".jpg", StringComparison.Ordinal) ? ImageCodec.Encode(result.Image, ImageFormat.Jpeg, 88) : ImageCodec.Encode(result.Image));
        Console.WriteLine(JsonSerializer.Serialize(new CoarseToFineRun(contentName, styleName, result.Image.Width, result.Image.Height, result.Record.ScaleLevels,
            result.IterationsRun, result.Elapsed.TotalSeconds, targetSeconds, full.Total, full.Content, full.Style, half, quarter, peakRss, output)));
        return 0;
    }

    // The style loss of the result scaled down by `factor`, against the style image scaled down by the same factor.
    private static double StyleAt(StyleTransferEngine engine, RgbImage result, RgbImage content, RgbImage style, StyleTransferOptions options, int factor)
    {
        var small = ImageCodec.Resize(result, Math.Max(1, result.Width / factor), Math.Max(1, result.Height / factor));
        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = options.MaxSide / factor });
        return engine.Measure(small, content, targets, options with { MaxSide = options.MaxSide / factor }).Style;
    }

    private static int P(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
