using System.Diagnostics;
using System.Globalization;
using System.Text;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Video.Flow;
using StyleGrpc.Video.Media;
using static StyleGrpc.Bench.BenchSettings;

namespace StyleGrpc.Bench;

/// <summary>
/// "Video" (issue 28), only when asked (<c>--only video</c>): on the offline default network (ResNet18) and starry_night,
/// 1. stability: Lai et al.'s warping error (<see cref="WarpingError"/>) of the input clip itself, of every frame stylised on
/// its own (temporal weight 0) and with temporal consistency (weights 1 and 3), for feed-forward (512×288) and optimisation
/// (256×144); 2. style kept: the mean per-frame Gatys style loss, temporal against per-frame; 3. speed: a feed-forward job
/// through the real server, end to end, and optimisation's seconds per frame against a still of the same size;
/// 4. memory: the peak RSS of a server process running 720p feed-forward jobs of growing length.
/// The frames of 1 and 2 are made with the steps <c>VideoRun</c> takes (flow between the input frames, the previous output
/// warped, the occlusion mask, <see cref="TemporalBlend"/> or the temporal term), in this process, so every condition sees
/// the same flows; 3 and 4 run the server itself, each in a child process.
/// </summary>
/// <remarks>
/// Options: <c>--ff-weights FILE</c> (a network trained before; else one is trained here, within <c>--ff-train-seconds</c>,
/// default 270, and at most <c>--ff-iterations</c>, default 300, at 256 px on <c>--photos DIR</c>), <c>--ff-save FILE</c>
/// (keep the network trained), <c>--video-opt-frames N</c> (default 16), <c>--video-opt-iterations N</c> (default 50),
/// <c>--video-memory-seconds 10,30</c>, <c>--video-memory-fps N</c>, <c>--video-weights 0,1,3</c>,
/// <c>--video-blends default;contrast:r=1/2/4</c> (feed-forward <see cref="TemporalBlend"/> variants, one row per variant and weight), <c>--video-skip ff,resample,opt,speed,memory</c>,
/// <c>--gallery DIR</c> (the strips and the side-by-side clip of docs/gallery.md).
/// </remarks>
internal static class VideoBench
{

    /// <summary>The machine's load average (1, 5, 15 minutes), as /proc/loadavg gives it.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "unknown";

    public static async Task RunAsync(BenchSettings settings, Report report, string[] args, string work)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        // --quick: a smoke run of the section (12 frames, a 24-frame server job), not figures to publish.
        var feedForwardFrames = settings.Quick ? 12 : 48;
        var serverFrames = settings.Quick ? 24 : 96;
        // --video-weights: the temporal weights compared (0, per-frame, always first); the targets are checked at 1, the server's default.
        var weights = (Value("--video-weights") ?? "0,1,3").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Append(0).Distinct().Order().ToList();
        // --video-skip: parts not to run this time (ff, resample, opt, speed, memory), for a follow-up run of one part.
        var skip = (Value("--video-skip") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        // --video-flow-scale S: the size the guides' flow is found at (the server's StyleGrpc:Video:FlowScale; default 1); the
        // warping error's own flow is always found at full size.
        var flowScale = Value("--video-flow-scale") is { } scaleText ? double.Parse(scaleText, CultureInfo.InvariantCulture) : 1;
        // --video-blends: the TemporalBlend variants compared (ParseBlend), ';'-separated; the targets are checked on the first.
        // Default: the server's blend alone.
        var blends = (Value("--video-blends") ?? "default").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(ParseBlend).ToList();
        var tool = new FfmpegTool();
        var images = settings.ImagesDirectory;
        var styleImagePath = Path.Combine(images, "starry_night.jpg");
        var md = new StringBuilder("## Video\n\n");
        var targets = new List<(string, string, bool)>();
        md.AppendLine($"CPU: {BenchPaths.CpuModel()}. Load average at the start: {LoadAverage()} (1, 5, 15 min): the 2 cores are shared with other " +
            "engineers' jobs, so every time below is slower than on a quiet machine; each figure carries the load average read when it was taken.\n");

        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var styleImage = ImageCodec.Decode(File.ReadAllBytes(styleImagePath));
        var style512 = engine.ComputeStyleTargets(styleImage, new StyleTargetOptions());

        // 0. The feed-forward network.
        var weightsPath = Path.Combine(work, "starry_night.sgff");
        if (Value("--ff-weights") is { } trained)
        {
            File.Copy(trained, weightsPath);
            md.AppendLine($"Feed-forward network: `{trained}` (`--ff-weights`), trained before.\n");
        }
        else
        {
            // --ff-stability W, --ff-tv W: the training's stability weight (Gupta et al.; default 0, off) and total-variation weight (default: the preset's).
            var training = new FeedForwardTrainingOptions
            {
                BatchSize = Int("--ff-batch", 4),
                StabilityWeight = Value("--ff-stability") is { } stability ? double.Parse(stability, CultureInfo.InvariantCulture) : 0,
                TotalVariationWeight = Value("--ff-tv") is { } tv ? double.Parse(tv, CultureInfo.InvariantCulture) : null,
                // --ff-shifted-loss: the loss sees the output moved by a random sub-pixel offset (LossShift).
                ShiftedLoss = args.Contains("--ff-shifted-loss"),
            };
            md.AppendLine(Train(engine, style512, Value("--photos") ?? "/usr/share/backgrounds/mate/nature", Int("--ff-iterations", 300),
                training, Int("--ff-train-seconds", 270), weightsPath));
        }
        if (Value("--ff-save") is { } save)
        {
            File.Copy(weightsPath, save, overwrite: true);
        }

        var clips = Path.Combine(work, "clips");
        Directory.CreateDirectory(clips);
        // 4. Memory, each job in a server process of its own, started now and run while 1–2 run here: its figures (peaks) do not
        // depend on what else runs, and on a shared machine it would otherwise double the section's time.
        var memoryLengths = (Value("--video-memory-seconds") ?? "10,30").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();
        // --video-memory-fps N: the server resamples the 24 fps clips to N frames a second (the request's frame_rate), so a long
        // clip fits the time a shared machine gives; 0 = every frame.
        var memoryFps = Value("--video-memory-fps") is { } rate ? double.Parse(rate, CultureInfo.InvariantCulture) : 0;
        var memory = skip.Contains("memory") ? Task.FromResult(("", new List<(string, string, bool)>())) : Task.Run(() =>
        {
            var memoryTargetList = new List<(string, string, bool)>();
            return (Guarded("memory", () => Memory(tool, images, clips, memoryLengths, memoryFps, flowScale, weightsPath, styleImagePath, memoryTargetList)), memoryTargetList);
        });

        // 1–2. Feed-forward at 512×288: stability and style, three clips.
        var pan = await VideoClips.PanAsync(tool, images, clips, feedForwardFrames);
        var slide = await VideoClips.SlideAsync(tool, images, clips, feedForwardFrames);
        var moving = await VideoClips.ObjectAsync(tool, images, clips, feedForwardFrames);
        md.AppendLine("Clips, made by the bench with ffmpeg from tests/data/images (`bench/StyleGrpc.Bench/VideoClips.cs`), 24 fps, H.264 CRF 18: " +
            "**pan**, a 512×288 window moving right and down over tubingen.jpg by (3, 2) px a frame while the picture grows 1 % a frame; " +
            "**slide**, the same window and motion without the zoom; " +
            "**object**, the_scream.jpg at 96×120 moving (+5, +1) px a frame over shipwreck.jpg at 512×288.\n");
        md.AppendLine("Warping error (Lai et al. 2018, `WarpingError`): mean over frame pairs of the occlusion-masked mean squared difference " +
            "(RGB in [0, 1], summed over channels) between output frame t and output frame t−1 warped by the *input's* flow; the input row is the " +
            "clip's own. Style loss: `StyleTransferEngine.Measure` of each output frame against its input frame (the Gatys style term as a run weighs it), " +
            "mean over frames. Per-frame = temporal weight 0 (every frame on its own); the temporal rows are what the server makes with that weight.\n");
        if (!skip.Contains("ff"))
        {
            using var model = FeedForwardModel.Load(File.ReadAllBytes(weightsPath));
            md.AppendLine($"### Feed-forward, {feedForwardFrames} frames at 512×288 (TemporalBlend, α = w/(1+w); the guides' flow at {F(flowScale, "G3")} of the frames' size)\n");
            md.AppendLine("| clip | run | warping error | × input | × per-frame | mean style loss | × per-frame | style, shift-averaged | × per-frame |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            var timings = new List<string>();
            foreach (var (name, path) in new[] { ("pan", pan), ("slide", slide), ("object", moving) })
            {
                var frames = await DecodeAsync(tool, path, 512, feedForwardFrames);
                var clock = Stopwatch.StartNew();
                var guideFlows = Flows(frames, flowScale);
                var flowSeconds = clock.Elapsed.TotalSeconds / guideFlows.Count;
                var flows = flowScale == 1 ? guideFlows : Flows(frames);
                clock.Restart();
                var raw = frames.Select(f => model.Stylize(f, 0, CancellationToken.None)).ToList();
                var networkSeconds = clock.Elapsed.TotalSeconds / frames.Count;
                // With a temporal weight the server's grid follows the picture (VideoRun); --video-grid-fixed adds the rows
                // without it, as before.
                var following = GridFollowing(model, frames);
                var rows = new List<(double Weight, List<RgbImage> Frames)> { (0, raw) };
                var labels = new List<string> { "" };
                var grids = args.Contains("--video-grid-fixed") ? new[] { ("", following), ("grid fixed", raw) } : [("", following)];
                foreach (var (grid, passes) in grids)
                {
                    foreach (var (label, options) in blends)
                    {
                        foreach (var w in weights.Where(w => w > 0))
                        {
                            var (blended, blendSeconds) = Blend(passes, guideFlows, w, options);
                            rows.Add((w, blended));
                            labels.Add(string.Join(", ", new[] { blends.Count > 1 ? label : "", grid }.Where(l => l.Length > 0)));
                            Console.WriteLine($"  blend {label}, w = {W(w)}: {F(blendSeconds * 1000 / (passes.Count - 1), "F1")} ms/frame (the blend alone; load {LoadAverage()})");
                        }
                    }
                }
                var measured = Compare(engine, style512, new StyleTransferOptions(), name, frames, flows, rows, md, targets, "feed-forward", labels);
                Console.WriteLine($"  feed-forward {name}: flow {F(flowSeconds, "F3")} s/pair, network {F(networkSeconds, "F3")} s/frame (load {LoadAverage()}); {measured}");
                timings.Add($"{name}: flow (both directions and the mask) {F(flowSeconds, "F3")} s per pair, network {F(networkSeconds, "F3")} s per frame (load average {LoadAverage()})");
                if (name is "pan" or "slide" && settings.GalleryDirectory is { } gallery)
                {
                    await GalleryAsync(tool, gallery, work, name == "pan" ? "video" : "video-slide", rows[0].Frames, rows[1].Frames);
                }
            }
            md.AppendLine($"\nIn this process, no server: {string.Join("; ", timings)}.\n");
        }

        // 2. What carrying an output along a warp costs on the style measure (the zoom's limit), the pan's frames.
        if (!skip.Contains("resample"))
        {
            using var model = FeedForwardModel.Load(File.ReadAllBytes(weightsPath));
            md.Append(VideoResampling.Measure(engine, style512, model, await DecodeAsync(tool, pan, 512, feedForwardFrames)));
        }

        // 1–2. Optimisation at 256×144 (fewer frames, few iterations: seconds per frame on this machine), the pan clip.
        var optFrames = Int("--video-opt-frames", 16);
        var optIterations = Int("--video-opt-iterations", 50);
        if (!skip.Contains("opt"))
        {
            var frames = await DecodeAsync(tool, pan, 256, optFrames);
            var job = new StyleTransferOptions { MaxSide = 256, Iterations = optIterations, RelativeTolerance = 0, ScaleLevels = 1 };
            var style256 = engine.ComputeStyleTargets(styleImage, new StyleTargetOptions { MaxSide = 256 });
            var plan = engine.Plan(frames[0].Width, frames[0].Height, job);
            // As VideoRun runs a frame after the first: its plan as INIT_FEED_FORWARD from the previous output warped to it
            // (Ruder et al.; the engine takes a start image only in such a plan).
            var warpedPlan = engine.Plan(frames[0].Width, frames[0].Height, job with { Init = InitKind.FeedForward });
            var levelTargets = plan.Levels.Select(_ => style256).ToList();
            var clock = Stopwatch.StartNew();
            var flows = Flows(frames);
            var flowSeconds = clock.Elapsed.TotalSeconds / flows.Count;
            clock.Restart();
            engine.Run(frames[0], levelTargets, plan);
            var stillSeconds = clock.Elapsed.TotalSeconds;
            var rows = new List<(double Weight, List<RgbImage> Frames)>();
            var perFrame = new Dictionary<double, double>();
            foreach (var weight in weights)
            {
                var outputs = new List<RgbImage>();
                clock.Restart();
                for (var t = 0; t < frames.Count; t++)
                {
                    var guide = t > 0 && weight > 0 ? Guide(outputs[t - 1], flows[t - 1], weight) : null;
                    outputs.Add(engine.Run(frames[t], levelTargets, guide is null ? plan : warpedPlan, new RunInputs { Start = guide?.Warped, Temporal = guide }).Image);
                }
                // The flow was computed once for all rows; a job computes it once per frame (none for the first).
                perFrame[weight] = (clock.Elapsed.TotalSeconds + (weight > 0 ? flowSeconds * flows.Count : 0)) / frames.Count;
                Console.WriteLine($"  optimisation w={weight}: {F(perFrame[weight], "F2")} s/frame (load {LoadAverage()})");
                rows.Add((weight, outputs));
            }
            md.AppendLine($"### Optimisation, {frames.Count} frames of the pan clip at {frames[0].Width}×{frames[0].Height}, {optIterations} L-BFGS iterations per frame (no early stop), one scale\n");
            md.AppendLine("Per-frame starts every frame from its content; the temporal rows are run as the server runs them: a frame after the first starts from the previous output warped to it and adds Ruder et al.'s temporal term with that weight.\n");
            md.AppendLine("| clip | run | warping error | × input | × per-frame | mean style loss | × per-frame | style, shift-averaged | × per-frame |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            var measured = Compare(engine, style256, job, "pan", frames, flows, rows, md, targets, "optimisation");
            Console.WriteLine($"  optimisation: {measured}");
            md.AppendLine();
            md.AppendLine($"Seconds per frame (flow included where used) against a still picture of the same size and iterations ({F(stillSeconds, "F2")} s, load {LoadAverage()}): " +
                string.Join(", ", perFrame.Select(p => $"w = {W(p.Key)}: {F(p.Value, "F2")} s ({F(p.Value / stillSeconds, "F2")}×)")) + $"; the flow alone {F(flowSeconds, "F3")} s per pair.\n");
            if (perFrame.TryGetValue(1, out var one))
            {
                targets.Add(("optimisation: seconds per frame (temporal, w = 1) against a still of the same size and iterations (reported, no target)",
                    $"{F(one, "F2")} s vs {F(stillSeconds, "F2")} s ({F(one / stillSeconds, "F2")}×)", true));
            }
        }

        // 4 runs in the background meanwhile (see above); 3 runs alone.
        var (memoryMd, memoryTargets) = await memory;
        md.Append(skip.Contains("speed") ? "" : Guarded("speed", () => Speed(tool, images, clips, serverFrames, flowScale, weightsPath, styleImagePath, targets)));
        md.Append(memoryMd);
        targets.AddRange(memoryTargets);
        report.Section(md.ToString(), targets);
    }

    // 3. Speed: feed-forward at 512×288 through the server, end to end, in a child process.
    private static string Speed(FfmpegTool tool, string images, string clips, int serverFrames, double flowScale, string weightsPath, string styleImagePath,
        List<(string, string, bool)> targets)
    {
        var md = new StringBuilder();
        var clip = VideoClips.PanAsync(tool, images, clips, serverFrames).GetAwaiter().GetResult();
        var run = VideoServerRun.MeasureInChild(clip, weightsPath, styleImagePath, 512, 1, 0, warmUp: true, flowScale);
        var fps = run.Frames / run.WallSeconds;
        Console.WriteLine($"  server feed-forward {run.Width}x{run.Height}, {run.Frames} frames: {F(run.WallSeconds)} s wall ({F(fps, "F2")} fps), run {F(run.RunSeconds)} s, peak RSS {F(run.PeakRssMb, "F0")} MiB, load {run.Load}");
        md.AppendLine($"### Speed: feed-forward through the server\n");
        md.AppendLine($"SubmitStylizeVideo of the pan clip ({run.Frames} frames, {run.Width}×{run.Height}, temporal weight 1) to an in-process server (Kestrel, loopback HTTP/2) " +
            $"in a child process, after a 6-frame warm-up job, the server's guides' flow at {F(flowScale, "G3")} of the frames' size (`StyleGrpc:Video:FlowScale`); " +
            $"timed from the submit to the finished operation (WaitOperation) and, for a result over 3 MiB, to the last chunk read with ReadVideoResult, so decoding, " +
            $"the flow, the network, the blend, encoding and storing the parts of 12 frames, assembling and reading the result all count: " +
            $"**{F(run.WallSeconds)} s, {F(fps, "F2")} frames/s** (the server's own run time {F(run.RunSeconds)} s). Load average at the end: {run.Load}.\n");
        // What the job itself used, whatever else ran: on the 2 cores to itself it could at best run in half its CPU time.
        md.AppendLine($"CPU time of the job (the server process and its ffmpeg children, /proc/self/stat): {F(run.CpuSeconds)} s, {F(run.CpuSeconds / run.Frames, "F3")} s per frame, " +
            $"against {F(run.WallSeconds)} s of wall time: the job had {F(run.CpuSeconds / run.WallSeconds, "F2")} of the 2 cores on average. With both cores to itself and " +
            $"perfect use of both it would run at most {F(2 * run.Frames / run.CpuSeconds, "F1")} frames/s (an upper bound, not a measurement).\n");
        targets.Add(($"video feed-forward 512×288 ≥ 5 frames/s end to end (load {run.Load})",
            $"{F(fps, "F2")} frames/s ({run.Frames} frames in {F(run.WallSeconds)} s; {F(run.CpuSeconds / run.WallSeconds, "F2")} cores used, CPU {F(run.CpuSeconds / run.Frames, "F3")} s/frame)", fps >= 5));
        return md.ToString();
    }

    // 4. Memory: 720p feed-forward jobs of growing length, each in a server process of its own.
    private static string Memory(FfmpegTool tool, string images, string clips, IReadOnlyList<int> lengths, double memoryFps, double flowScale, string weightsPath,
        string styleImagePath, List<(string, string, bool)> targets)
    {
        var md = new StringBuilder();
        md.AppendLine("### Memory: 720p feed-forward, growing length\n");
        md.AppendLine("Each job in its own server process (as in Speed, with a 6-frame warm-up job first); the peak is the process's VmHWM (server, offline network, " +
            "the style's network, the job). ffmpeg's decoder and encoder are processes of their own and not counted. The server runs with " +
            "`StyleGrpc:TileAbove` = 1280: video frames are never tiled, so their side is capped at TileAbove, 1024 by default (a default server makes 1024×576 of a 720p clip)" +
            (memoryFps > 0 ? $"; the clips (24 fps) are resampled by the server to {F(memoryFps, "F0")} frames/s (the request's `frame_rate`) so that the longer one fits this run's time" : "") + ".\n");
        md.AppendLine("Full GCs: generation-2 collections during the job; managed after: the managed heap after the job and a forced compacting full " +
            "collection (what the process still holds), RSS after: VmRSS then.\n");
        md.AppendLine("| clip | frames | wall s | CPU s per frame | peak RSS MiB | after warm-up MiB | rise during the job MiB | full GCs | managed after MiB | RSS after MiB | result MiB | load average |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var runs = new List<(int Seconds, VideoServerRun.Result Run)>();
        foreach (var seconds in lengths)
        {
            var clip = VideoClips.Pan720Async(tool, images, clips, seconds).GetAwaiter().GetResult();
            var run = VideoServerRun.MeasureInChild(clip, weightsPath, styleImagePath, 1280, 1, memoryFps, warmUp: true, flowScale);
            Console.WriteLine($"  720p {seconds} s: {run.Frames} frames in {F(run.WallSeconds)} s, peak RSS {F(run.PeakRssMb, "F0")} MiB (after warm-up {F(run.BaselineRssMb, "F0")}), load {run.Load}");
            md.AppendLine($"| {seconds} s | {run.Frames} | {F(run.WallSeconds)} | {F(run.CpuSeconds / run.Frames, "F2")} | {F(run.PeakRssMb, "F0")} | {F(run.BaselineRssMb, "F0")} | " +
                $"{F(run.PeakRssMb - run.BaselineRssMb, "F0")} | {run.FullGcs} | {F(run.ManagedAfterGcMb, "F0")} | {F(run.RssAfterGcMb, "F0")} | {F(run.ResultMb, "F1")} | {run.Load} |");
            runs.Add((seconds, run));
        }
        md.AppendLine();
        if (runs.Count >= 2)
        {
            var (shortest, longest) = (runs[0], runs[^1]);
            var perFrame = longest.Run.WallSeconds / longest.Run.Frames;
            var cpuPerFrame = longest.Run.CpuSeconds / longest.Run.Frames;
            md.AppendLine($"All 2,880 frames of a 2-minute 720p clip at 24 fps would take about {F(2880 * perFrame / 60, "F0")} min at this run's {F(perFrame, "F2")} s per frame " +
                $"(at least {F(2880 * cpuPerFrame / 2 / 60, "F0")} min with both cores to itself, from its CPU time)" +
                (longest.Seconds >= 120 && memoryFps > 0 ? $"; the 2-minute clip above ran resampled to {F(memoryFps, "G3")} frames/s ({longest.Run.Frames} frames).\n" : ": not run.\n"));
            // Each process's own baseline moves by a hundred MiB or so (allocator arenas), so the check is on the rise over the
            // 6-frame warm-up job (which already held one 720p frame's working set): the longer job may not add more.
            var (shortRise, longRise) = (shortest.Run.PeakRssMb - shortest.Run.BaselineRssMb, longest.Run.PeakRssMb - longest.Run.BaselineRssMb);
            targets.Add(($"video memory does not grow with length (720p feed-forward, {shortest.Seconds} s → {longest.Seconds} s: rise over a 6-frame job ≤ the shorter's + 64 MiB)",
                $"rise {F(shortRise, "F0")} → {F(longRise, "F0")} MiB; peak {F(shortest.Run.PeakRssMb, "F0")} → {F(longest.Run.PeakRssMb, "F0")} MiB", longRise <= shortRise + 64));
        }
        return md.ToString();
    }

    // One --video-blends variant: default (the server's), plain, contrast, lowpass or vpformula (TemporalBlendMode), then
    // ':'-separated r=R1/R2/… (Radii), s= (StatisticsScale), gmin=, g= (MinGain, MaxGain), dw= (DetailWeight); e.g.
    // contrast:r=1/2/4:s=2. The spec is the variant's label in the table.
    private static (string Label, TemporalBlendOptions Options) ParseBlend(string spec)
    {
        var parts = spec.Split(':');
        var options = new TemporalBlendOptions();
        options = parts[0] switch
        {
            "default" => options,
            "plain" => options with { Mode = TemporalBlendMode.Plain },
            "contrast" => options with { Mode = TemporalBlendMode.ContrastPreserving },
            "lowpass" => options with { Mode = TemporalBlendMode.LowPass },
            "vpformula" => options with { Mode = TemporalBlendMode.VarianceFormula },
            _ => throw new ArgumentException($"unknown blend {parts[0]}"),
        };
        foreach (var part in parts.Skip(1))
        {
            var (key, value) = part.Split('=') is [var k, var v] ? (k, v) : (part, "");
            options = key switch
            {
                "r" => options with { Radii = [.. value.Split('/').Select(r => int.Parse(r, CultureInfo.InvariantCulture))] },
                "gmin" => options with { MinGain = float.Parse(value, CultureInfo.InvariantCulture) },
                "dw" => options with { DetailWeight = double.Parse(value, CultureInfo.InvariantCulture) },
                "s" => options with { StatisticsScale = float.Parse(value, CultureInfo.InvariantCulture) },
                "g" => options with { MaxGain = float.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown blend option {part}"),
            };
        }
        return (spec, options);
    }

    private static string W(double weight) => weight.ToString(CultureInfo.InvariantCulture);

    // A part that fails says so in the report and the others still run.
    private static string Guarded(string part, Func<string> run)
    {
        try
        {
            return run();
        }
        catch (Exception ex)
        {
            Console.WriteLine($"  video {part} failed: {ex}");
            return $"**{part}: failed** ({ex.GetType().Name}: {ex.Message.Split('\n')[0]})\n\n";
        }
    }

    // Trains a short network: the iterations that fit the time given, measured on a 3-iteration run first.
    private static string Train(StyleTransferEngine engine, StyleTargets style, string photosDirectory, int maxIterations, FeedForwardTrainingOptions training,
        int seconds, string weightsPath)
    {
        var photos = TrainingPhotos.FromDirectory(photosDirectory, ImageCodec.DefaultMaxPixels);
        var trainer = new FeedForwardTrainer(engine);
        var options = training with { Iterations = 3 };
        var probe = trainer.Train(photos, style, options, null, null, CancellationToken.None);
        var iterations = Math.Clamp((int)(seconds / (probe.Elapsed.TotalSeconds / 3)), Math.Min(20, maxIterations), maxIterations);
        options = options with { Iterations = iterations };
        var result = trainer.Train(photos, style, options, p =>
        {
            if (p.Iteration % 25 == 0)
            {
                Console.WriteLine($"  training {p.Iteration}/{p.TotalIterations}: total {p.TotalLoss:E3} (content {p.ContentLoss:E3}, style {p.StyleLoss:E3}, " +
                    $"tv {p.TotalVariationLoss:E3}, stability {p.StabilityLoss:E3}), {F(p.Elapsed.TotalSeconds)} s");
            }
        }, null, CancellationToken.None);
        File.WriteAllBytes(weightsPath, result.Weights);
        return $"Feed-forward network trained here: {photos.Count} photos of `{photosDirectory}`, {iterations} iterations (as many as fit {seconds} s at the " +
            $"{F(probe.Elapsed.TotalSeconds / 3, "F2")} s/iteration of a 3-iteration probe; cap {maxIterations}) of {options.BatchSize} crops of {options.ImageSize} px, " +
            $"learning rate {options.LearningRate}, widths {FeedForwardArchitecture.Default}, style weight automatic ({F(result.StyleWeight, "F0")}), " +
            $"total-variation weight {(options.TotalVariationWeight is { } tv ? F(tv, "G3") : "the preset's")}, stability weight {F(options.StabilityWeight, "G3")}{(options.ShiftedLoss ? ", shifted loss" : "")}" +
            (options.StabilityWeight > 0 ? $" (shift {options.StabilityShift} px, noise σ {F(options.StabilityNoise, "G3")})" : "") + ": " +
            $"{F(result.Elapsed.TotalSeconds)} s, final loss {result.FinalLoss:E3}, load average after {LoadAverage()}." +
            (iterations < new FeedForwardTrainingOptions().Iterations ? " A short training: the style is real enough to flicker, not a finished network." : "") + "\n";
    }

    // As VideoRun with a temporal weight: frame t stylised with the network's grid following the picture's motion since frame 0
    // (GlobalMotion, GridPhase).
    private static List<RgbImage> GridFollowing(FeedForwardModel model, IReadOnlyList<RgbImage> frames)
    {
        var motion = (Dx: 0.0, Dy: 0.0);
        var outputs = new List<RgbImage> { model.Stylize(frames[0], GridPhase.None, CancellationToken.None) };
        for (var t = 1; t < frames.Count; t++)
        {
            (motion, var phase) = GlobalMotion.Follow(motion, frames[t - 1], frames[t]);
            outputs.Add(model.Stylize(frames[t], phase, CancellationToken.None));
        }
        return outputs;
    }

    // The style loss of a frame averaged over the 16 ways its pixels can sit on the loss network's stride-4 grid (the frame
    // moved by 0–3 px right and down, its left and top edges mirrored): a style measure that does not change when the
    // picture moves by a pixel, as the plain one does (docs/video.md, "Measured").
    internal static double ShiftAveragedStyle(StyleTransferEngine engine, StyleTargets style, StyleTransferOptions options, RgbImage frame, RgbImage input)
    {
        var sum = 0.0;
        for (var sy = 0; sy < 4; sy++)
        {
            for (var sx = 0; sx < 4; sx++)
            {
                sum += engine.Measure(Moved(frame, sx, sy), Moved(input, sx, sy), style, options).Style;
            }
        }
        return sum / 16;
    }

    private static RgbImage Moved(RgbImage image, int dx, int dy)
    {
        var pixels = new byte[image.Pixels.Length];
        for (var y = 0; y < image.Height; y++)
        {
            var sy = Math.Abs(y - dy);
            for (var x = 0; x < image.Width; x++)
            {
                Array.Copy(image.Pixels, (sy * image.Width + Math.Abs(x - dx)) * 3, pixels, (y * image.Width + x) * 3, 3);
            }
        }
        return new RgbImage(image.Width, image.Height, pixels);
    }

    private static async Task<List<RgbImage>> DecodeAsync(FfmpegTool tool, string path, int maxSide, int count)
    {
        var info = await new VideoProbe(tool).ProbeAsync(path, CancellationToken.None);
        var plan = VideoDecodePlan.Create(info, new VideoDecodeOptions { MaxSide = maxSide, Range = new FrameRange(0, count) }, new VideoLimits());
        var frames = new List<RgbImage>();
        await foreach (var frame in new VideoDecoder(tool).ReadFramesAsync(path, plan, CancellationToken.None))
        {
            frames.Add(frame);
        }
        return frames;
    }

    // The input's flow from each frame back to the one before (found at `scale` of the frames' size), and where it holds:
    // once per clip, shared by every row.
    private static List<(FlowField Backward, float[] Mask)> Flows(IReadOnlyList<RgbImage> frames, double scale = 1)
    {
        var flows = new List<(FlowField, float[])>();
        for (var t = 1; t < frames.Count; t++)
        {
            var pair = OpticalFlow.ComputeBoth(frames[t - 1], frames[t], scale);
            flows.Add((pair.Backward, OcclusionMask.Compute(pair.Backward, pair.Forward)));
        }
        return flows;
    }

    private static TemporalGuide Guide(RgbImage previousOutput, (FlowField Backward, float[] Mask) flow, double weight) =>
        TemporalGuides.Of(flow.Backward, flow.Mask, previousOutput, weight);

    // As VideoRun (with the options' formula, the server's by default): frame t's network output blended with output t−1
    // warped, where the flow holds; and the seconds spent in TemporalBlend.Blend alone.
    private static (List<RgbImage> Frames, double BlendSeconds) Blend(IReadOnlyList<RgbImage> raw, IReadOnlyList<(FlowField Backward, float[] Mask)> flows,
        double weight, TemporalBlendOptions options)
    {
        var outputs = new List<RgbImage> { raw[0] };
        var clock = new Stopwatch();
        for (var t = 1; t < raw.Count; t++)
        {
            var guide = Guide(outputs[t - 1], flows[t - 1], weight);
            clock.Start();
            outputs.Add(TemporalBlend.Blend(raw[t], guide, options));
            clock.Stop();
        }
        return (outputs, clock.Elapsed.TotalSeconds);
    }

    private static double Error(IReadOnlyList<RgbImage> frames, IReadOnlyList<(FlowField Backward, float[] Mask)> flows)
    {
        var error = new WarpingError();
        for (var t = 1; t < frames.Count; t++)
        {
            error.Add(flows[t - 1].Backward, flows[t - 1].Mask, frames[t - 1], frames[t]);
        }
        return error.Mean;
    }

    // The table rows of one clip and method, and the targets: temporal (w = 1 and 3; of the first variant when rows are labelled)
    // within 2× the input's warping error and at most half the per-frame one, its style loss within 10 % of per-frame's.
    private static string Compare(StyleTransferEngine engine, StyleTargets style, StyleTransferOptions options, string clip, IReadOnlyList<RgbImage> inputs,
        IReadOnlyList<(FlowField Backward, float[] Mask)> flows, IReadOnlyList<(double Weight, List<RgbImage> Frames)> rows, StringBuilder md,
        List<(string, string, bool)> targets, string method, IReadOnlyList<string>? labels = null)
    {
        var input = Error(inputs, flows);
        md.AppendLine($"| {clip} | input | {input:E3} | 1 | | | | | |");
        var perFrameError = double.NaN;
        var perFrameStyle = double.NaN;
        var perFrameShifted = double.NaN;
        var line = new StringBuilder($"input {input:E3}");
        foreach (var ((weight, frames), index) in rows.Select((row, index) => (row, index)))
        {
            var label = labels?[index] is { Length: > 0 } named ? $" [{named}]" : "";
            var error = Error(frames, flows);
            var styleLoss = frames.Select((f, t) => engine.Measure(f, inputs[t], style, options).Style).Average();
            // Every 4th frame (16 measures each).
            var shifted = frames.Select((f, t) => (f, t)).Where(p => p.t % 4 == 0).Select(p => ShiftAveragedStyle(engine, style, options, p.f, inputs[p.t])).Average();
            if (weight == 0)
            {
                (perFrameError, perFrameStyle, perFrameShifted) = (error, styleLoss, shifted);
            }
            var run = weight == 0 ? "per-frame (w = 0)" : $"temporal, w = {W(weight)}{label}";
            md.AppendLine($"| {clip} | {run} | {error:E3} | {F(error / input, "F2")} | {F(error / perFrameError, "F2")} | {styleLoss:E3} | {F(styleLoss / perFrameStyle, "F3")} | {shifted:E3} | {F(shifted / perFrameShifted, "F3")} |");
            line.Append($"\n    w={weight}{label}: error {error:E3} ({F(error / input, "F2")}× input, {F(error / perFrameError, "F3")}× per-frame), style {styleLoss:E3} ({F((styleLoss / perFrameStyle - 1) * 100, "+0.0;-0.0")} %), shift-averaged {shifted:E3} ({F((shifted / perFrameShifted - 1) * 100, "+0.0;-0.0")} %)");
            // The targets at the server's default weight (1) and at 3, the weight docs/video.md recommends for feed-forward.
            if (weight is 1 or 3 && (labels is null || labels[index] == labels[1]))
            {
                var w = W(weight);
                targets.Add(($"video {method} ({clip}): warping error, temporal w = {w} ≤ 2× the input's", $"{F(error / input, "F2")}× ({error:E2} vs {input:E2})", error <= 2 * input));
                targets.Add(($"video {method} ({clip}): warping error, temporal w = {w} ≤ ½ per-frame's", $"{F(error / perFrameError, "F2")}× ({error:E2} vs {perFrameError:E2})", error <= 0.5 * perFrameError));
                targets.Add(($"video {method} ({clip}): mean style loss, temporal w = {w} within 10 % of per-frame's", $"{F((styleLoss / perFrameStyle - 1) * 100, "+0.0;-0.0")} %",
                    Math.Abs(styleLoss / perFrameStyle - 1) <= 0.10));
                targets.Add(($"video {method} ({clip}): the same, shift-averaged style loss", $"{F((shifted / perFrameShifted - 1) * 100, "+0.0;-0.0")} %",
                    Math.Abs(shifted / perFrameShifted - 1) <= 0.10));
            }
        }
        return line.ToString();
    }

    // docs/gallery.md: frames 24–27 of the pan clip, per-frame above temporal, as two strips; and the two side by side as a clip.
    // {prefix}-strip-per-frame.jpg, {prefix}-strip-temporal.jpg (frames 24–27) and {prefix}-per-frame-vs-temporal.mp4 (side by side).
    private static async Task GalleryAsync(FfmpegTool tool, string gallery, string work, string prefix, IReadOnlyList<RgbImage> perFrame,
        IReadOnlyList<RgbImage> temporal)
    {
        foreach (var (name, frames) in new[] { ($"{prefix}-strip-per-frame.jpg", perFrame), ($"{prefix}-strip-temporal.jpg", temporal) })
        {
            var tiles = frames.Skip(Math.Max(0, Math.Min(24, frames.Count - 4))).Take(4).Select(f => ImageCodec.Resize(f, 256, 144)).ToList();
            var pixels = new byte[tiles.Count * 256 * 144 * 3];
            for (var i = 0; i < tiles.Count; i++)
            {
                for (var y = 0; y < 144; y++)
                {
                    Array.Copy(tiles[i].Pixels, y * 256 * 3, pixels, (y * tiles.Count * 256 + i * 256) * 3, 256 * 3);
                }
            }
            await File.WriteAllBytesAsync(Path.Combine(gallery, name), ImageCodec.Encode(new RgbImage(tiles.Count * 256, 144, pixels), ImageFormat.Jpeg, 80));
        }
        var parts = new List<string>();
        foreach (var (name, frames) in new[] { ("per-frame", perFrame), ("temporal", temporal) })
        {
            var path = Path.Combine(work, $"gallery-{prefix}-{name}.mp4");
            await using (var encoder = VideoEncoder.Start(tool, path, VideoContainer.Mp4H264, new FrameSize(frames[0].Width, frames[0].Height), VideoClips.FramesPerSecond, CancellationToken.None))
            {
                foreach (var frame in frames)
                {
                    await encoder.WriteAsync(frame, CancellationToken.None);
                }
                await encoder.CompleteAsync(CancellationToken.None);
            }
            parts.Add(path);
        }
        await tool.RunFfmpegAsync(["-i", parts[0], "-i", parts[1], "-filter_complex", "[0:v][1:v]hstack=inputs=2,format=yuv420p",
            "-c:v", "libx264", "-preset", "slow", "-crf", "28", "-movflags", "+faststart", "-an", "-y", Path.Combine(gallery, $"{prefix}-per-frame-vs-temporal.mp4")], CancellationToken.None);
    }
}
