using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using static StyleGrpc.Bench.BenchSettings;

namespace StyleGrpc.Bench;

/// <summary>
/// "Instant styles" (issue 18): trains a feed-forward network for starry_night on the offline default network with the
/// default options (or <c>--ff-iterations N</c>), from a folder of photos (<c>--photos DIR</c>, default Debian's
/// mate-backgrounds nature photos), prints the loss curve and the time; then, on held-out photos of tests/data/images the
/// network never saw, compares feed-forward with optimisation: 512 px time against the default job's, Gatys loss against
/// 50 L-BFGS iterations', INIT_FEED_FORWARD's time to the default job's loss, and 4096 px tiled time and peak memory
/// (in a child process, so the peak is its own). <c>--ff-weights FILE</c> skips the training and uses a network trained
/// before (the section writes its own to <c>starry_night.sgff</c> in the bench's work folder); <c>--gallery DIR</c> writes
/// the pictures compared (feed-forward, 50 L-BFGS iterations, the default job) there.
/// </summary>
internal static class FeedForwardBench
{
    private static readonly string[] HeldOut = ["tubingen.jpg", "storm.jpg"];

    public static void Run(BenchSettings settings, Report report, string[] args, string work)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var photosDirectory = Value("--photos") ?? "/usr/share/backgrounds/mate/nature";
        var options = new FeedForwardTrainingOptions();
        if (Value("--ff-iterations") is { } iterations)
        {
            options = options with { Iterations = int.Parse(iterations, CultureInfo.InvariantCulture) };
        }
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var styleImage = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")));
        var style = engine.ComputeStyleTargets(styleImage, new StyleTargetOptions());
        // storm.jpg is a copy of mate-backgrounds' Storm.jpg: a held-out photo must not be trained on.
        if (Directory.EnumerateFiles(photosDirectory).Select(Path.GetFileName).FirstOrDefault(f => HeldOut.Contains(f, StringComparer.OrdinalIgnoreCase)) is { } clash)
        {
            throw new InvalidOperationException($"{photosDirectory} holds {clash}, one of the held-out photos ({string.Join(", ", HeldOut)}): train on a folder without it");
        }
        var photos = TrainingPhotos.FromDirectory(photosDirectory, ImageCodec.DefaultMaxPixels);
        var md = new StringBuilder("## Feed-forward (instant styles)\n\n");
        var targets = new List<(string, string, bool)>();
        md.AppendLine($"Offline default network (ResNet18), style starry_night.jpg (targets at 512 px), {photos.Count} training photos from `{photosDirectory}`; " +
            $"options: {options.Iterations} iterations, {options.ImageSize} px crops, batch {options.BatchSize}, learning rate {options.LearningRate}, " +
            $"widths {FeedForwardArchitecture.Default}, style weight automatic. Held-out photos: {string.Join(", ", settings.Quick ? HeldOut[..1] : HeldOut)} (not in the training folder).\n");

        var weightsPath = Path.Combine(work, "starry_night.sgff");
        double? trainingStyleWeight = null;
        if (Value("--ff-weights") is { } trained)
        {
            File.Copy(trained, weightsPath);
            md.AppendLine($"Training skipped: the network of `{trained}` (`--ff-weights`).\n");
        }
        else
        {
            trainingStyleWeight = Train(engine, photos, style, options, md, targets, weightsPath);
        }
        Compare(settings, engine, style, weightsPath, trainingStyleWeight, md, targets);
        report.Section(md.ToString(), targets);
    }

    // 1. Training: the loss curve and the time; returns the style weight it trained with.
    private static double Train(StyleTransferEngine engine, TrainingPhotos photos, StyleTargets style, FeedForwardTrainingOptions options,
        StringBuilder md, List<(string, string, bool)> targets, string weightsPath)
    {
        var curve = new List<FeedForwardTrainingProgress>();
        var every = Math.Max(1, options.Iterations / 20);
        var result = new FeedForwardTrainer(engine).Train(photos, style, options, p =>
        {
            if (p.Iteration % every == 0 || p.Iteration == 1 || p.Iteration == p.TotalIterations)
            {
                curve.Add(p);
                Console.WriteLine($"  training {p.Iteration}/{p.TotalIterations}: total {p.TotalLoss:E3} (content {p.ContentLoss:E3}, style {p.StyleLoss:E3}, tv {p.TotalVariationLoss:E3}), {F(p.Elapsed.TotalSeconds)} s, eta {F(p.EstimatedRemaining.TotalSeconds)} s");
            }
        }, null, CancellationToken.None);
        File.WriteAllBytes(weightsPath, result.Weights);
        var perIteration = result.Elapsed.TotalMilliseconds / result.Iterations;
        md.AppendLine($"Training: **{F(result.Elapsed.TotalMinutes)} min** ({F(perIteration, "F0")} ms/iteration), final loss {result.FinalLoss:E3} (mean of the last 10), style weight {result.StyleWeight:E3}, weights {result.Weights.Length / 1024} KiB.\n");
        md.AppendLine("| iteration | total | content | style | tv | elapsed s |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var p in curve)
        {
            md.AppendLine($"| {p.Iteration} | {p.TotalLoss:E3} | {p.ContentLoss:E3} | {p.StyleLoss:E3} | {p.TotalVariationLoss:E3} | {F(p.Elapsed.TotalSeconds)} |");
        }
        md.AppendLine();
        targets.Add(("Training with the defaults ≤ 30 min", $"{F(result.Elapsed.TotalMinutes)} min ({options.Iterations} iterations)",
            result.Elapsed.TotalMinutes <= 30 && options == new FeedForwardTrainingOptions()));
        return result.StyleWeight;
    }

    // 2. Held-out photos: speed, quality, and the refine path; 3. a print size.
    private static void Compare(BenchSettings settings, StyleTransferEngine engine, StyleTargets style, string weightsPath, double? trainingStyleWeight,
        StringBuilder md, List<(string, string, bool)> targets)
    {
        using var model = FeedForwardModel.Load(File.ReadAllBytes(weightsPath));
        var job = new StyleTransferOptions();
        var notes = new List<string>();
        md.AppendLine("| photo | feed-forward 512 px s | default job s (iterations) | ratio | feed-forward loss | 50 L-BFGS loss | default job loss | INIT_FEED_FORWARD s to it (iterations) | ratio |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var name in settings.Quick ? HeldOut[..1] : HeldOut)
        {
            var photo = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, name)));
            var plan = engine.Plan(photo.Width, photo.Height, job);
            var content = ImageCodec.Resize(photo, plan.Width, plan.Height);
            model.Stylize(content, 0, CancellationToken.None);
            var times = Enumerable.Range(0, 3).Select(_ =>
            {
                var clock = Stopwatch.StartNew();
                model.Stylize(content, 0, CancellationToken.None);
                return clock.Elapsed.TotalSeconds;
            }).Order().ToList();
            var fast = model.Stylize(content, 0, CancellationToken.None);
            var fastLoss = engine.Measure(fast, content, style, job).Total;

            var fifty = engine.Run(content, style, job with { Iterations = 50, RelativeTolerance = 0 });
            var fiftyLoss = engine.Measure(fifty.Image, content, style, job).Total;
            // The same comparison under the loss the network was trained for (its style weight, fixed on its first batch,
            // instead of this photo's automatic one): both sides measured and optimised with it.
            var atTraining = trainingStyleWeight is { } w ? job with { StyleWeight = w } : null;
            var trainingComparison = atTraining is null ? "" :
                $" At the training's style weight {atTraining.StyleWeight:F0}: feed-forward {engine.Measure(fast, content, style, atTraining).Total:E3}, 50 L-BFGS iterations " +
                $"{engine.Measure(engine.Run(content, style, atTraining with { Iterations = 50, RelativeTolerance = 0 }).Image, content, style, atTraining).Total:E3}.";

            var full = engine.Run(content, style, job);
            var fullLoss = engine.Measure(full.Image, content, style, job).Total;

            var refinePlan = engine.Plan(content.Width, content.Height, job with { Init = InitKind.FeedForward, RelativeTolerance = 0 });
            using var reached = new CancellationTokenSource();
            var refineClock = Stopwatch.StartNew();
            var start = model.Stylize(content, 0, CancellationToken.None);
            TimeSpan? at = null;
            var atIteration = 0;
            try
            {
                engine.Run(content, [style], refinePlan, new RunInputs
                {
                    OnProgress = p =>
                    {
                        if (at is null && p.TotalLoss <= fullLoss)
                        {
                            (at, atIteration) = (refineClock.Elapsed, p.Iteration);
                            reached.Cancel();
                        }
                        else if (refineClock.Elapsed > full.Elapsed / 3)
                        {
                            // Past a third of the job's time the target is missed whatever follows: stop there.
                            reached.Cancel();
                        }
                    },
                    Start = start,
                }, reached.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopped on reaching the default job's loss, or past a third of its time.
            }
            var refineSeconds = (at ?? refineClock.Elapsed).TotalSeconds;
            if (settings.GalleryDirectory is { } gallery)
            {
                Directory.CreateDirectory(gallery);
                var stem = Path.GetFileNameWithoutExtension(name);
                foreach (var (suffix, image) in new[] { ("ff", fast), ("lbfgs50", fifty.Image), ("default-job", full.Image) })
                {
                    File.WriteAllBytes(Path.Combine(gallery, $"{stem}-starry-{suffix}.jpg"), ImageCodec.Encode(image, ImageFormat.Jpeg, 88));
                }
            }
            Console.WriteLine($"  {name}: feed-forward {F(times[1], "F3")} s vs job {F(full.Elapsed.TotalSeconds)} s ({full.IterationsRun} it); loss ff {fastLoss:E3}, 50 L-BFGS {fiftyLoss:E3}, job {fullLoss:E3}; INIT_FEED_FORWARD {(at is null ? "did not reach it" : $"reached it in {F(refineSeconds)} s, {atIteration} it")}.{trainingComparison}");
            notes.Add($"{name}:{trainingComparison}");
            md.AppendLine($"| {name} | {F(times[1], "F3")} | {F(full.Elapsed.TotalSeconds)} ({full.IterationsRun}) | 1/{F(full.Elapsed.TotalSeconds / times[1], "F0")} | {fastLoss:E3} | {fiftyLoss:E3} | {fullLoss:E3} | {(at is null ? $"not reached in {F(refineSeconds)}" : $"{F(refineSeconds)} ({atIteration})")} | {F(refineSeconds / full.Elapsed.TotalSeconds, "F2")} |");
            targets.Add(($"{name}: feed-forward 512 px ≤ 1/100 of the default job", $"1/{F(full.Elapsed.TotalSeconds / times[1], "F0")}", times[1] * 100 <= full.Elapsed.TotalSeconds));
            targets.Add(($"{name}: feed-forward loss ≤ 50 L-BFGS iterations'", $"{fastLoss:E3} vs {fiftyLoss:E3}", fastLoss <= fiftyLoss));
            targets.Add(($"{name}: INIT_FEED_FORWARD to the default job's loss ≤ 1/3 of its time", at is null ? "not reached" : $"{F(refineSeconds / full.Elapsed.TotalSeconds, "F2")}×",
                at is not null && refineSeconds * 3 <= full.Elapsed.TotalSeconds));
        }
        md.AppendLine();
        if (trainingStyleWeight is not null)
        {
            md.AppendLine(string.Join("\n", notes) + "\n");
        }

        // 3. A print size, tiled, in its own process.
        var print = ChildRun.Measure<PrintRun>(["--child-ff-print", weightsPath, settings.ImagesDirectory, "4096", "512"]);
        Console.WriteLine($"  {print.Width}x{print.Height} tile 512: {F(print.Seconds)} s, peak RSS {F(print.PeakRssMb, "F0")} MiB (before {F(print.BaselineRssMb, "F0")}), estimate {F(print.EstimatedMb, "F0")} MiB");
        md.AppendLine($"Print size: {print.Width}×{print.Height}, tiles of 512 (halo {model.TileHalo} px): **{F(print.Seconds)} s**, process peak RSS **{F(print.PeakRssMb, "F0")} MiB** " +
            $"(network loaded and photo decoded: {F(print.BaselineRssMb, "F0")} MiB; `FeedForwardModel.EstimatedBytes`: {F(print.EstimatedMb, "F0")} MiB).\n");
        targets.Add(("4096 px feed-forward in bounded memory", $"{F(print.PeakRssMb, "F0")} MiB peak RSS, {F(print.Seconds)} s", print.PeakRssMb < 2048));
    }

    /// <summary>The child's side: <c>--child-ff-print weights imagesDir side tile</c>.</summary>
    public static int RunChild(string[] args)
    {
        TorchRuntime.EnsureLoaded();
        using var model = FeedForwardModel.Load(File.ReadAllBytes(args[1]));
        var side = int.Parse(args[3], CultureInfo.InvariantCulture);
        var tile = int.Parse(args[4], CultureInfo.InvariantCulture);
        var photo = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(args[2], "tubingen.jpg")));
        var (w, h) = ImageCodec.FitWithin(photo.Width, photo.Height, side, upscale: true);
        var content = ImageCodec.Resize(photo, w, h);
        var baseline = BenchPaths.PeakRssMb();
        var clock = Stopwatch.StartNew();
        var result = model.Stylize(content, tile, CancellationToken.None);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new PrintRun(result.Width, result.Height, seconds, BenchPaths.PeakRssMb(), baseline,
            FeedForwardModel.EstimatedBytes(w, h, tile) / 1048576.0)));
        return 0;
    }

    internal sealed record PrintRun(int Width, int Height, double Seconds, double PeakRssMb, double BaselineRssMb, double EstimatedMb);
}
