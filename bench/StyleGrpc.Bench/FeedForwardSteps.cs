using System.Globalization;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using static StyleGrpc.Bench.BenchSettings;

namespace StyleGrpc.Bench;

/// <summary>Milliseconds per training iteration for candidate crop sizes, batches and widths (offline default network), for choosing the defaults.</summary>
internal static class FeedForwardSteps
{
    public static void Measure(BenchSettings settings, string[] args)
    {
        var photosDirectory = Array.IndexOf(args, "--photos") is var i and >= 0 ? args[i + 1] : "/usr/share/backgrounds/mate/nature";
        var peak = ChildRun.Measure<TrainingPeak>(["--child-ff-train-peak", settings.ImagesDirectory, photosDirectory]);
        Console.WriteLine($"  training peak RSS with the defaults: {F(peak.PeakRssMb, "F0")} MiB (network, targets and photos loaded before: {F(peak.BaselineRssMb, "F0")} MiB; EstimatedBytes {F(peak.EstimatedMb, "F0")} MiB)");
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var style = engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "starry_night.jpg"))), new StyleTargetOptions());
        var photos = TrainingPhotos.FromDirectory(photosDirectory, ImageCodec.DefaultMaxPixels);
        var trainer = new FeedForwardTrainer(engine);
        foreach (var (size, batch, architecture) in new[]
                 {
                     (256, 4, new FeedForwardArchitecture(16, 32, 64, 5)), (256, 4, new FeedForwardArchitecture(16, 32, 64, 3)),
                     (256, 2, new FeedForwardArchitecture(16, 32, 64, 3)), (192, 4, new FeedForwardArchitecture(16, 32, 64, 3)),
                 })
        {
            var stamps = new List<(TimeSpan Wall, TimeSpan Cpu)>();
            trainer.Train(photos, style, new FeedForwardTrainingOptions { Iterations = 6, ImageSize = size, BatchSize = batch, Architecture = architecture },
                p => stamps.Add((p.Elapsed, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime)), null, CancellationToken.None);
            // The first iterations also decode the photos: time the last four. CPU time ÷ threads is what the wall time would be
            // on an otherwise idle machine (the machine is shared: wall time here includes waiting for other processes).
            var ms = (stamps[^1].Wall - stamps[^5].Wall).TotalMilliseconds / 4;
            var cpuMs = (stamps[^1].Cpu - stamps[^5].Cpu).TotalMilliseconds / 4 / TorchSharp.torch.get_num_threads();
            Console.WriteLine($"  training {size} px, batch {batch}, widths {architecture.Channels1}/{architecture.Channels2}/{architecture.Channels3}×{architecture.ResidualBlocks}: {F(ms, "F0")} ms/iteration wall, {F(cpuMs, "F0")} ms CPU ÷ threads");
        }
    }

    /// <summary>The child's side: <c>--child-ff-train-peak imagesDir photosDir</c>: 3 iterations with the default options, peak RSS.</summary>
    public static int RunChild(string[] args)
    {
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var style = engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(Path.Combine(args[1], "starry_night.jpg"))), new StyleTargetOptions());
        var photos = TrainingPhotos.FromDirectory(args[2], ImageCodec.DefaultMaxPixels);
        var trainer = new FeedForwardTrainer(engine);
        var options = new FeedForwardTrainingOptions { Iterations = 3 };
        var baseline = BenchPaths.PeakRssMb();
        trainer.Train(photos, style, options, null, null, CancellationToken.None);
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new TrainingPeak(BenchPaths.PeakRssMb(), baseline, trainer.EstimatedBytes(options) / 1048576.0)));
        return 0;
    }

    internal sealed record TrainingPeak(double PeakRssMb, double BaselineRssMb, double EstimatedMb);
}
