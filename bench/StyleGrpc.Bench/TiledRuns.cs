using System.Globalization;
using System.Text.Json;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Bench;

/// <summary>
/// Print sizes on the offline default network: seconds per iteration and peak RSS of one job, each in a child process
/// (so the peak is that job's), tiled or not. The content photo is upscaled to the size asked for.
/// </summary>
internal sealed record TiledRun(int Width, int Height, int TileSize, string Optimizer, int History, double SecondsPerIteration, double PeakRssMb, double BaselineRssMb)
{
    public static TiledRun MeasureInChild(int size, int tile, OptimizerKind optimizer, int history, int iterations, BenchSettings settings) =>
        ChildRun.Measure<TiledRun>(["--child-tiled", I(size), I(tile), optimizer.ToString(), I(history), I(iterations), settings.ImagesDirectory]);

    /// <summary>The child's side: <c>--child-tiled size tile optimizer history iterations imagesDir</c>.</summary>
    public static int RunChild(string[] args)
    {
        var size = int.Parse(args[1], CultureInfo.InvariantCulture);
        var tile = int.Parse(args[2], CultureInfo.InvariantCulture);
        var optimizer = Enum.Parse<OptimizerKind>(args[3]);
        var history = int.Parse(args[4], CultureInfo.InvariantCulture);
        var iterations = int.Parse(args[5], CultureInfo.InvariantCulture);
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var photo = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(args[6], "tubingen.jpg")));
        var (w, h) = ImageCodec.FitWithin(photo.Width, photo.Height, size, upscale: true);
        var content = ImageCodec.Resize(photo, w, h);
        var targets = engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(Path.Combine(args[6], "starry_night.jpg"))), new StyleTargetOptions { MaxSide = 512 });
        var baseline = BenchPaths.RssMb();
        var stamps = new List<TimeSpan>();
        var result = engine.Run(content, targets, new StyleTransferOptions
        {
            MaxSide = size, Iterations = iterations, Optimizer = optimizer, LbfgsHistory = history, TileSize = tile, RelativeTolerance = 0,
        }, p => stamps.Add(p.Elapsed));
        // The first iteration also pays for setup (content features, targets on the device): time the rest.
        var perIteration = stamps.Count > 1 ? (stamps[^1] - stamps[0]).TotalSeconds / (stamps.Count - 1) : stamps[0].TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new TiledRun(result.Image.Width, result.Image.Height, result.Record.TileSize, optimizer.ToString(), history,
            perIteration, BenchPaths.PeakRssMb(), baseline)));
        return 0;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
