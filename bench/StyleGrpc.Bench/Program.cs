using System.Diagnostics;
using System.Globalization;
using StyleGrpc.Bench;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using static StyleGrpc.Bench.BenchSettings;

// dotnet run -c Release --project bench/StyleGrpc.Bench [-- --quick] [--skip-pytorch] [--vgg19 PATH] [--report PATH]
// Prints every figure as it is measured and writes docs/performance.md. See bench/README.md.
if (args.Length > 0 && args[0] == "--child")
{
    return StepTiming.RunChild(args);
}
if (args.Length > 0 && args[0] == "--child-tiled")
{
    return TiledRun.RunChild(args);
}
if (args.Length > 0 && args[0] == "--child-ff-train-peak")
{
    TorchRuntime.EnsureLoaded();
    return FeedForwardSteps.RunChild(args);
}
if (args.Length > 0 && args[0] == "--child-ff-print")
{
    return FeedForwardBench.RunChild(args);
}
if (args.Length > 0 && args[0] == "--child-video-server")
{
    TorchRuntime.EnsureLoaded();
    return await VideoServerRun.RunChildAsync(args);
}
if (args.Length > 0 && args[0] == "--child-scales")
{
    return CoarseToFineRun.RunChild(args);
}

var settings = BenchSettings.Parse(args);
TorchRuntime.EnsureLoaded();
var report = new Report(settings, string.Join(' ', args));
var work = Directory.CreateTempSubdirectory("stylegrpc-bench-").FullName;
try
{
    var why = "--skip-pytorch";
    var pyTorch = !settings.SkipPyTorch && PyTorchReference.IsAvailable(out why) ? why : null;
    if (pyTorch is null)
    {
        report.Note($"PyTorch reference skipped: {why}");
    }
    var vggPath = settings.Vgg19Path;
    if (vggPath is null)
    {
        vggPath = Path.Combine(work, "vgg19-random.pth");
        if (pyTorch is not null)
        {
            PyTorchReference.MakeWeights(vggPath);
            report.Note("VGG19 weights: torchvision's vgg19() random init (seed 0), written by PyTorch and read by both sides. Speed does not depend on the values.");
        }
        else
        {
            vggPath = RandomVgg19.Write();
            report.Note("VGG19 weights: random, torchvision layout (no pretrained file here). Speed does not depend on the values.");
        }
    }
    report.Header(pyTorch);

    // Matrix-product peak in this process: the yardstick for achieved GFLOP/s.
    var peak = MatmulPeak.Measure();
    report.Peak(peak);

    // 1. Engine ms/step and peak memory, one child process per configuration.
    var timings = new List<StepTiming>();
    foreach (var size in settings.Runs("steps") ? settings.Sizes : [])
    {
        foreach (var (network, preset) in new[] { ("vgg19", "seed"), ("vgg19", "gatys"), ("resnet18-onnx", "default") })
        {
            foreach (var optimizer in Enum.GetValues<OptimizerKind>())
            {
                var t = StepTiming.MeasureInChild(network, preset, optimizer, size, settings, vggPath);
                Console.WriteLine($"  {network} {preset} {optimizer} {t.Width}x{t.Height}: {F(t.MsPerStep)} ms/step, peak RSS {F(t.PeakRssMb, "F0")} MiB");
                timings.Add(t);
            }
        }
    }
    if (timings.Count > 0)
    {
        report.Steps(timings, peak);
    }

    // 2. What each fast path is worth: seed preset, RMSprop, 256 px, each switched off alone.
    var fastPaths = new List<(string Tuning, StepTiming Timing)>();
    foreach (var tuning in settings.Runs("fastpaths") ? ["all", "no-memory", "no-gram", "no-relu", "no-channels-last", "no-mkl-avx512", "none", "bf16"] : Array.Empty<string>())
    {
        var t = StepTiming.MeasureInChild("vgg19", "seed", OptimizerKind.RmsProp, 256, settings, vggPath, tuning);
        Console.WriteLine($"  fast paths {tuning}: {F(t.MsPerStep)} ms/step");
        fastPaths.Add((tuning, t));
    }
    if (fastPaths.Count > 0)
    {
        report.FastPaths(fastPaths);
    }

    // 2b. Where a seed step's time goes, float32 and bfloat16.
    if (settings.Runs("breakdown"))
    {
        var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "tubingen.jpg")));
        var (bw, bh) = ImageCodec.FitWithin(content.Width, content.Height, 256);
        var parts = new[] { Precision.Float32, Precision.BFloat16 }.Select(p => StepBreakdown.Measure(vggPath, bw, bh, p)).ToList();
        foreach (var b in parts)
        {
            Console.WriteLine($"  breakdown {b.Precision}: forward {F(b.ForwardMs)}, losses {F(b.LossesMs)}, backward {F(b.BackwardMs)} ms; convolutions alone {F(b.ConvolutionsMs)}, Gram products alone {F(b.GramProductsMs)} ms");
        }
        report.Breakdown(parts, peak, fastPaths.FirstOrDefault(f => f.Tuning == "all").Timing);
    }

    // 3. Side by side with PyTorch on the same images and weights file.
    if (pyTorch is not null && settings.Runs("pytorch"))
    {
        var rows = new List<(int Size, PyTorchReference.Measurement Fair, PyTorchReference.Measurement Naive, StepTiming Engine, StepTiming Reduced)>();
        foreach (var size in settings.Sizes)
        {
            var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "tubingen.jpg")));
            var style = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")));
            var (cw, ch) = ImageCodec.FitWithin(content.Width, content.Height, size);
            var (sw, sh) = ImageCodec.FitWithin(style.Width, style.Height, size, upscale: true);
            var contentPng = Path.Combine(work, $"content-{size}.png");
            var stylePng = Path.Combine(work, $"style-{size}.png");
            File.WriteAllBytes(contentPng, ImageCodec.Encode(ImageCodec.Resize(content, cw, ch)));
            File.WriteAllBytes(stylePng, ImageCodec.Encode(ImageCodec.Resize(style, sw, sh)));
            var fair = PyTorchReference.Measure("fair", "rmsprop", vggPath, contentPng, stylePng, settings.TimedSteps, settings.WarmupSteps);
            var naive = PyTorchReference.Measure("naive", "rmsprop", vggPath, contentPng, stylePng, settings.TimedSteps, settings.WarmupSteps);
            var engine = StepTiming.MeasureInChild("vgg19", "seed", OptimizerKind.RmsProp, size, settings, vggPath);
            var reduced = StepTiming.MeasureInChild("vgg19", "seed", OptimizerKind.RmsProp, size, settings, vggPath, "bf16");
            Console.WriteLine($"  {size}px: PyTorch fair {F(fair.MsPerStep)}, naive {F(naive.MsPerStep)}, StyleGrpc {F(engine.MsPerStep)} (bf16 {F(reduced.MsPerStep)}) ms/step");
            rows.Add((size, fair, naive, engine, reduced));
        }
        report.Reference(rows);
    }

    // 4. Time to the quality of the write-up's 700 RMSprop steps, 256 px, seed preset.
    if (settings.Runs("quality"))
    {
        using var vgg = Vgg19Network.Load(vggPath, "relu5_1");
        var engine = new StyleTransferEngine(vgg);
        var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "tubingen.jpg")));
        var style = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")));
        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = 256, Preset = "seed" });
        var (_, rmsSeconds, target) = QualityRuns.Curve(engine, content, targets, QualityRuns.Options(OptimizerKind.RmsProp, "seed", 256, settings.QualitySteps))[^1];
        Console.WriteLine($"  RMSprop {settings.QualitySteps} steps: loss {target:E4} in {F(rmsSeconds)} s");
        var reaches = new List<QualityRuns.Reach>
        {
            QualityRuns.RunUntil(engine, content, targets, QualityRuns.Options(OptimizerKind.Lbfgs, "seed", 256, settings.QualitySteps), target, "L-BFGS"),
            QualityRuns.RunUntil(engine, content, targets, QualityRuns.Options(OptimizerKind.Lbfgs, "seed", 256, settings.QualitySteps) with { LbfgsHistory = 20 }, target, "L-BFGS, history 20"),
            QualityRuns.RunUntil(engine, content, targets, QualityRuns.Options(OptimizerKind.Lbfgs, "seed", 256, settings.QualitySteps) with { ScaleLevels = 2, CoarseIterations = 50 }, target, "L-BFGS, 2 scales (50 at 181 px)"),
            QualityRuns.RunUntil(engine, content, targets, QualityRuns.Options(OptimizerKind.Adam, "seed", 256, settings.QualitySteps), target, "Adam"),
        };
        using (var reduced = Vgg19Network.Load(vggPath, "relu5_1", precision: Precision.BFloat16))
        {
            var reducedEngine = new StyleTransferEngine(reduced);
            var reducedTargets = reducedEngine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = 256, Preset = "seed" });
            reaches.Add(QualityRuns.RunUntil(reducedEngine, content, reducedTargets, QualityRuns.Options(OptimizerKind.Lbfgs, "seed", 256, settings.QualitySteps), target,
                "L-BFGS, bfloat16 network (loss as the bf16 network computes it)"));
        }
        foreach (var r in reaches)
        {
            Console.WriteLine($"  {r.Method}: {(r.Reached ? "reached" : "did not reach")} after {r.Iterations} iterations, {F(r.Seconds)} s");
        }
        report.TimeToQuality(settings.QualitySteps, target, rmsSeconds, reaches);
    }

    // 5. Coarse-to-fine against single scale at equal time, offline default network, each run in its own process; at a print
    // size (tiled, L-BFGS history 10) only when asked: --only scales-print.
    if (settings.Runs("scales") || settings.Only == "scales-print")
    {
        var runs = new List<(string Method, CoarseToFineRun.Setup Setup, CoarseToFineRun Run)>();
        var pairs = settings.Quick || settings.Only == "scales-print"
            ? new[] { ("tubingen.jpg", "starry_night.jpg") }
            : [("tubingen.jpg", "starry_night.jpg"), ("storm.jpg", "the_scream.jpg")];
        var sizes = settings.Only == "scales-print" ? new[] { (2048, 300.0) } : settings.Quick ? [(512, 20.0)] : [(512, 60.0), (1024, 150.0)];
        foreach (var (size, seconds) in sizes)
        {
            foreach (var (content, style) in pairs)
            {
                // Print sizes: tiled as the server tiles them (cores of 512 above 1024 px), L-BFGS history 10 to stay in memory, and
                // 100 iterations asked for (10 at each coarser level: the tiled levels are slow).
                var (tile, history, iterations) = size > 1024 ? (512, 10, 100) : (0, 100, 500);
                var setups = new List<(string, CoarseToFineRun.Setup)>
                {
                    ("single scale", new(size, 1, 0, 100_000, true, seconds, TileSize: tile, History: history)),
                    ("coarse-to-fine, automatic", new(size, 0, 0, iterations, true, seconds, TileSize: tile, History: history)),
                };
                if (size == 512 && content == "tubingen.jpg" && !settings.Quick)
                {
                    setups.Add(("coarse-to-fine, L-BFGS history reset per level", new(size, 0, 0, 500, false, seconds)));
                    setups.Add(("single scale, Adam", new(size, 1, 0, 100_000, true, seconds, OptimizerKind.Adam)));
                    setups.Add(("coarse-to-fine, Adam", new(size, 0, 0, 500, true, seconds, OptimizerKind.Adam)));
                }
                foreach (var (method, setup) in setups)
                {
                    var image = Path.Combine(settings.GalleryDirectory ?? work,
                        $"{Path.GetFileNameWithoutExtension(content)}-{Path.GetFileNameWithoutExtension(style)}-{size}-{(setup.Levels == 1 ? "single" : "c2f")}-{setup.Optimizer}{(setup.Carry ? "" : "-reset")}.jpg");
                    var run = CoarseToFineRun.MeasureInChild(setup, content, style, image, settings);
                    Console.WriteLine($"  {size}px {content} x {style}, {method}: {run.Levels} levels, {run.Iterations} iterations, {F(run.Seconds)} s, total {run.Total:E4} (content {run.ContentLoss:E3}, style {run.StyleLoss:E3}), style at 1/2 {run.HalfStyleLoss:E3}, at 1/4 {run.QuarterStyleLoss:E3}, peak RSS {F(run.PeakRssMb, "F0")} MiB");
                    runs.Add((method, setup, run));
                }
            }
        }
        report.CoarseToFine(runs);
    }

    // 5b. Throughput with one versus two concurrent jobs, 256 px on the offline default network.
    if (settings.Runs("throughput"))
    {
        using var resnet = ResNet18Network.Load();
        var engine = new StyleTransferEngine(resnet);
        var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "tubingen.jpg")));
        var style = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "starry_night.jpg")));
        var throughputTargets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = 256 });
        var throughput = Throughput.Measure(engine, content, throughputTargets, 256, settings.Quick ? 15 : 40, 4);
        foreach (var t in throughput)
        {
            Console.WriteLine($"  {t.Setup}: {F(t.JobsPerMinute)} jobs/min");
        }
        report.Throughput(throughput, settings.Quick ? 15 : 40);
    }

    // 5c. What regions cost per step (guided Gram matrices): 0, 1, 2 and 4 regions, 256 px, offline default network.
    if (settings.Runs("regions"))
    {
        using var resnet = ResNet18Network.Load();
        var rounds = settings.Quick ? 3 : 5;
        var regions = RegionsCost.Measure(new StyleTransferEngine(resnet), settings.ImagesDirectory, 256, settings.TimedSteps, settings.WarmupSteps, rounds);
        foreach (var r in regions)
        {
            Console.WriteLine($"  {r.Regions} regions: fastest {F(r.FastestMs)} ms/step ({F(r.FastestRatio, "F2")}x), median {F(r.MedianMs)} ({F(r.MedianRatio, "F2")}x)");
        }
        report.Regions(regions, rounds);
    }

    // 6. gRPC versus the engine alone (offline default, the out-of-the-box network).
    if (settings.Runs("grpc"))
    {
        var e2e = await EndToEnd.MeasureAsync(settings, 256, settings.Quick ? 30 : 100, settings.Quick ? 3 : 7);
        Console.WriteLine($"  gRPC overhead {F(e2e.OverheadPercent, "F2")} % (fastest vs fastest), paired median {F(e2e.PairedOverheadPercent, "F2")} %, within the call {F(e2e.InCallOverheadPercent, "F2")} %; inline style costs {F(e2e.InlineExtraSeconds, "F3")} s more (targets {F(e2e.StyleTargetsSeconds, "F3")} s)");
        report.EndToEnd(e2e);
    }

    // 9. Print sizes (docs/performance.md, "Tiled"): the offline network at 1024 tiled and not, 2048 and 4096 tiled.
    if (settings.Only == "tiled")
    {
        foreach (var (size, tile, optimizer, history) in new[]
                 {
                     (1024, 0, OptimizerKind.Adam, 100), (1024, 512, OptimizerKind.Adam, 100), (1024, 768, OptimizerKind.Adam, 100),
                     (2048, 512, OptimizerKind.Adam, 100), (2048, 512, OptimizerKind.Lbfgs, 10),
                     (4096, 512, OptimizerKind.Adam, 100),
                 })
        {
            var run = TiledRun.MeasureInChild(size, tile, optimizer, history, settings.Quick ? 2 : 4, settings);
            Console.WriteLine($"  {run.Width}x{run.Height} tile {run.TileSize} {run.Optimizer}{(optimizer == OptimizerKind.Lbfgs ? $" (history {history})" : "")}: {F(run.SecondsPerIteration, "F2")} s/iteration, {F(run.SecondsPerIteration / (run.Width * (double)run.Height) * 1e6, "F3")} s per Mpx-iteration, peak RSS {F(run.PeakRssMb, "F0")} MiB (baseline {F(run.BaselineRssMb, "F0")})");
        }
    }

    // 10. Instant styles (issue 18): feed-forward networks; only when asked (training takes up to half an hour).
    if (settings.Only == "feedforward-widths")
    {
        FeedForwardWidths.Measure(ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "tubingen.jpg"))));
    }
    if (settings.Only == "feedforward-steps")
    {
        FeedForwardSteps.Measure(settings, args);
    }
    if (settings.Only == "feedforward")
    {
        FeedForwardBench.Run(settings, report, args, work);
    }

    // 11. The control pictures of docs/gallery.md ("Control"), only when asked: --only control-gallery --gallery DIR.
    if (settings.Only == "control-gallery")
    {
        ControlGallery.Render(settings.ImagesDirectory, settings.GalleryDirectory ?? Path.Combine(work, "gallery"), 512);
    }

    // 11b. Video (issue 28): stability, style kept, speed through the server, memory against length; only when asked: --only video.
    if (settings.Only == "video")
    {
        await VideoBench.RunAsync(settings, report, args, work);
    }

    // 12. A fleet's cost per call as its queue grows, on a private redis-server, only when asked: --only fleet.
    if (settings.Only == "fleet")
    {
        var (levels, contentBytes) = await FleetCost.MeasureAsync(settings, settings.Quick ? [10, 100, 1000] : [10, 100, 1000, 10_000]);
        var last = levels[^1];
        var plot = Path.Combine(Path.GetDirectoryName(settings.ReportPath) ?? ".", "images", "fleet-latency.svg");
        Directory.CreateDirectory(Path.GetDirectoryName(plot)!);
        await File.WriteAllTextAsync(plot, LatencyPlot.Svg("Fleet: latency per call against the queue's length", [.. levels.Select(l => l.Queued)],
            [("SubmitStylize", [.. levels.Select(l => l.SubmitMs)]), ("GetOperation", [.. levels.Select(l => l.GetMs)]), ("ListOperations (50)", [.. levels.Select(l => l.ListMs)])]));
        Console.WriteLine($"  plot: {plot}");
        report.Section(FleetCost.Markdown(levels, contentBytes),
        [
            ($"SubmitStylize ≤ 20 ms at {last.Queued:N0} queued", $"{last.SubmitMs:F1} ms", last.SubmitMs <= 20 && last.Queued >= 10_000),
            ($"GetOperation ≤ 10 ms at {last.Queued:N0} queued", $"{last.GetMs:F1} ms", last.GetMs <= 10 && last.Queued >= 10_000),
            ("GetOperation ≤ 5 Redis commands", $"{last.GetCommands}", last.GetCommands <= 5),
            ($"ListOperations page of 50 ≤ 50 ms at {last.Queued:N0} queued", $"{last.ListMs:F1} ms", last.ListMs <= 50 && last.Queued >= 10_000),
            ("Redis memory per queued job ≤ content + 8 KiB", $"{last.BytesPerJob / 1024:F0} KiB for {contentBytes / 1024} KiB", last.BytesPerJob <= contentBytes + 8192),
        ]);
        var taken = await FleetCost.MeasureFairnessAsync(10, settings.Quick ? 100 : 1000);
        report.Section($"## Fleet: fairness\n\n10 keys queue {(settings.Quick ? 100 : 1000):N0} jobs each, one key after the other; the first 10 jobs taken were those of {string.Join(", ", taken)}.\n",
        [
            ($"with 10 keys × {(settings.Quick ? 100 : 1000):N0} queued, each key's first job is among the first 10 taken", $"{taken.Distinct().Count()} keys of 10", taken.Distinct().Count() == 10),
        ]);
        var watching = await FleetCost.MeasureWatchersAsync(settings, TimeSpan.FromSeconds(settings.Quick ? 15 : 30));
        var (none, one, hundred) = (watching[0], watching[1], watching[2]);
        var oneCost = one.RedisBytesPerSecond - none.RedisBytesPerSecond;
        report.Section(FleetCost.WatchersMarkdown(watching),
        [
            ("one remote watcher costs Redis ≤ 2× the bytes it receives", $"{oneCost / 1024:F1} KiB/s for {one.ReceivedBytesPerSecond / 1024:F1} KiB/s", oneCost <= 2 * one.ReceivedBytesPerSecond),
            ("100 remote watchers: Redis output < 5 MB/s", $"{hundred.RedisBytesPerSecond / 1e6:F2} MB/s", hundred.RedisBytesPerSecond < 5e6),
        ]);
    }

    // 8. Reliability figures (docs/reliability.md): a soak of small jobs and a burst of callers.
    if (settings.Only == "soak")
    {
        await Soak.MeasureAsync(settings, settings.Quick ? 40 : 200, 32);
    }

    report.Write();
    Console.WriteLine($"wrote {settings.ReportPath}");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}
