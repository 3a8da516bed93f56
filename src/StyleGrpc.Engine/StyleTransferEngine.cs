using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>
/// Gatys-style neural style transfer over one cached <see cref="IFeatureNetwork"/>: compute style
/// targets once, then optimise the pixels of an image so its features match the content image's
/// and its Gram matrices match the style's. Thread-safe: concurrent runs share the frozen network.
/// Every tensor lives in a dispose scope (one per run, one per iteration); nothing outlives a run.
/// </summary>
public sealed class StyleTransferEngine(IFeatureNetwork network)
{
    /// <summary>Engine version written into every reproducibility record.</summary>
    public static readonly string Version = typeof(StyleTransferEngine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// Diagnostic: tensors alive that runs on the engine's worker threads created and did not dispose. 0 between
    /// jobs unless something leaks; soak tests and the benchmark read it.
    /// </summary>
    public static Task<long> LiveTensorsOnWorkersAsync() => EngineWorkers.CountLiveTensorsAsync();

    /// <summary>Largest output or style side the engine accepts, in pixels.</summary>
    public const int MaxSideLimit = 8192;

    /// <summary>Most iterations the engine accepts per level.</summary>
    public const int MaxIterationsLimit = 100_000;

    /// <summary>Most regions the engine accepts in one run.</summary>
    public const int MaxRegionsLimit = 16;

    private long plansMade;

    /// <summary>Plans made by <see cref="Plan"/> so far (a diagnostic: one job makes exactly one).</summary>
    public long PlansMade => Interlocked.Read(ref plansMade);

    /// <summary>The network's preset named <paramref name="name"/> (case-insensitive); null or blank = its default (the first).</summary>
    /// <exception cref="InvalidStyleOptionException">The network has no such preset (field <c>Preset</c>).</exception>
    public LayerPreset Preset(string? name) => LayerPlan.FindPreset(Network, name);

    /// <summary>The network every run uses.</summary>
    public IFeatureNetwork Network { get; } = network;

    /// <summary>Computes the Gram targets (and channel statistics) of a style image.</summary>
    public StyleTargets ComputeStyleTargets(RgbImage style, StyleTargetOptions? options = null)
    {
        options ??= new StyleTargetOptions();
        Require(options.MaxSide is >= 16 and <= MaxSideLimit, "MaxSide", $"must be between 16 and {MaxSideLimit} pixels");
        var plan = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        return ComputeStyleTargets(style, options.MaxSide, plan.AllLayers);
    }

    /// <summary>
    /// Computes the statistics of <paramref name="layers"/> (layers of the network, e.g. a <see cref="RunPlan"/>'s
    /// <see cref="RunPlan.AllLayers"/>) for the style image scaled to <paramref name="maxSide"/>.
    /// </summary>
    public StyleTargets ComputeStyleTargets(RgbImage style, int maxSide, IReadOnlyList<string> layers)
    {
        var (width, height) = ImageCodec.FitWithin(style.Width, style.Height, maxSide, Network.SizeMultiple, upscale: true);
        var resized = ImageCodec.Resize(style, width, height);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = Network.Extract(ImageTensor.ToTensor(resized, Network.Device), layers);
        var statistics = Network.LayerNames.Where(features.ContainsKey).Select(name =>
        {
            var f = features[name];
            return new LayerStatistics(name, (int)f.shape[1],
                StyleLosses.Gram(f).cpu().data<float>().ToArray(),
                f.mean([0, 2, 3]).cpu().data<float>().ToArray());
        }).ToList();
        return new StyleTargets(Network.Info.Fingerprint, statistics, width, height);
    }

    /// <summary>
    /// The style targets every level of <paramref name="plan"/> needs, coarsest first: the style image at
    /// <paramref name="finalStyleSide"/> for the output size, scaled with the content at coarser levels
    /// (<see cref="RunPlan.StyleSide"/>). A single-scale run needs one.
    /// </summary>
    public IReadOnlyList<StyleTargets> ComputeLevelTargets(RgbImage style, int finalStyleSide, RunPlan plan) =>
        [.. plan.Levels.Select((_, level) => ComputeStyleTargets(style, plan.StyleSide(finalStyleSide, level), plan.AllLayers))];

    /// <summary>
    /// As <see cref="ComputeLevelTargets(RgbImage, int, RunPlan)"/>, with the style image first prepared for the plan's
    /// colour control against <paramref name="photo"/> (<see cref="ColourTransfer.StyleForTargets"/>): luminance-only and
    /// histogram matching make targets that depend on the photo.
    /// </summary>
    public IReadOnlyList<StyleTargets> ComputeLevelTargets(RgbImage style, int finalStyleSide, RunPlan plan, RgbImage photo) =>
        ComputeLevelTargets(ColourTransfer.StyleForTargets(style, photo, ColourTransfer.Effective(plan.Options)), finalStyleSide, plan);

    /// <summary>
    /// Works out a run once: checks <paramref name="options"/> against the engine's ranges and the host's
    /// <paramref name="limits"/>, resolves the layers, the scale levels and their sizes for a
    /// <paramref name="contentWidth"/>×<paramref name="contentHeight"/> content image (tiled levels have sides on the tile
    /// stride), the optimiser's settings (a tiled L-BFGS run gets the history that fits the budget) and the memory estimate.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range or names what the network does not have.</exception>
    public RunPlan Plan(int contentWidth, int contentHeight, StyleTransferOptions options, RunLimits? limits = null)
    {
        Interlocked.Increment(ref plansMade);
        limits ??= new RunLimits();
        Validate(options, limits);
        Require(contentWidth > 0 && contentHeight > 0, "Content", "has no pixels");
        ControlValidation.Check(Network, options, contentWidth, contentHeight, limits);
        var layers = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        var (styleLayers, shares) = ScaleControl.Resolve(layers.Style, options.BlendComponents);
        return MakePlan(contentWidth, contentHeight, options, layers with { Style = styleLayers }, limits.MemoryBudgetBytes, shares);
    }

    /// <summary>
    /// The largest output side (<c>MaxSide</c>) for which <paramref name="plan"/>, made again at that side, fits
    /// <paramref name="budgetBytes"/>; below 16 when none does. For telling a caller what would fit.
    /// </summary>
    public int LargestSideWithin(RunPlan plan, long budgetBytes)
    {
        var layers = LayerPlan.Of(Network, plan);
        var (options, contentWidth, contentHeight) = (plan.Options, plan.ContentWidth, plan.ContentHeight);
        int low = 15, high = options.MaxSide;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (MakePlan(contentWidth, contentHeight, options with { MaxSide = mid }, layers, budgetBytes, plan.BlendShares).EstimatedBytes <= budgetBytes)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }

    private RunPlan MakePlan(int contentWidth, int contentHeight, StyleTransferOptions options, LayerPlan layers, long budgetBytes,
        IReadOnlyList<IReadOnlyList<Networks.LayerWeight>>? blendShares)
    {
        var schedule = ScaleSchedule.Plan(options);
        var tiledAny = options.TileSize > 0 && schedule.Any(l => l.MaxSide > Math.Max(options.TileSize, options.TileAbove));
        var geometry = tiledAny ? TileGeometry.For(Network, layers.AllLayers) : null;
        var levels = schedule.Select(level =>
        {
            var tiled = geometry is not null && level.MaxSide > Math.Max(options.TileSize, options.TileAbove);
            var multiple = tiled ? Math.Max(Network.SizeMultiple, geometry!.Stride) : Network.SizeMultiple;
            var (width, height) = ImageCodec.FitWithin(contentWidth, contentHeight, level.MaxSide, multiple);
            return new PlannedLevel(level.MaxSide, width, height, tiled, level.Iterations);
        }).ToList();
        var margin = geometry?.Margin ?? 0;
        long Estimate(int history) => MemoryModel.Estimate(Network.Info.Name, levels, options.Optimizer, history, options.TileSize, margin);
        var history = options.LbfgsHistory;
        if (tiledAny && options.Optimizer == OptimizerKind.Lbfgs && budgetBytes > 0)
        {
            // Print sizes: L-BFGS keeps the history the budget allows (its pairs of image-sized vectors are what grows).
            while (history > MemoryModel.MinimumHistory && Estimate(history) > budgetBytes)
            {
                history = Math.Max(MemoryModel.MinimumHistory, history * 3 / 4);
            }
        }
        return new RunPlan
        {
            NetworkFingerprint = Network.Info.Fingerprint,
            ContentWidth = contentWidth,
            ContentHeight = contentHeight,
            Options = options with { LbfgsHistory = history },
            Levels = levels,
            Preset = layers.Preset.Name,
            ContentLayers = layers.Content,
            StyleLayers = layers.Style,
            LearningRate = options.LearningRate ?? DefaultLearningRate(options.Optimizer),
            TileStride = geometry?.Stride ?? 0,
            TileMargin = margin,
            BlendShares = blendShares,
            EstimatedBytes = Estimate(history),
        };
    }

    /// <summary>
    /// Plans and runs style transfer on the calling thread with the same style targets at every level (coarse-to-fine runs
    /// match better with <see cref="ComputeLevelTargets"/>'s, one per level: plan with <see cref="Plan"/> and run with
    /// <see cref="Run(RgbImage, IReadOnlyList{StyleTargets}, RunPlan, RunInputs?, CancellationToken)"/>).
    /// <paramref name="onProgress"/> is called after every iteration on this thread; <paramref name="cancellationToken"/> is
    /// checked before every iteration.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range or does not fit the network or targets.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the run stopped within one iteration.</exception>
    public StyleTransferResult Run(RgbImage content, StyleTargets style, StyleTransferOptions options,
        Action<StyleTransferProgress>? onProgress = null, CancellationToken cancellationToken = default)
    {
        var plan = Plan(content.Width, content.Height, options);
        return Run(content, [.. plan.Levels.Select(_ => style)], plan, new RunInputs { OnProgress = onProgress }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="plan"/> on the calling thread, level by level, with <paramref name="levelTargets"/> holding one
    /// set of style targets per level, coarsest first. The plan is trusted (it was checked when it was made); the content
    /// image may have any size of the plan's aspect (each level resizes it). <paramref name="inputs"/> holds the optional
    /// rest (null = none): regions painted with their own styles, progress reported after every iteration on this thread,
    /// checkpointing (a resumed run's result is close to an uninterrupted run's, not always identical: docs/engine.md,
    /// "Checkpoints and resume") and the start image of an <see cref="InitKind.FeedForward"/> plan.
    /// <paramref name="cancellationToken"/> is checked before every iteration.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">
    /// The targets or regions do not fit the plan (count, network, layers), the checkpoint does not (field <c>Checkpoint</c>),
    /// the plan's init is <see cref="InitKind.FeedForward"/> and neither <see cref="RunInputs.Start"/> nor a temporal guide is
    /// given (field <c>Init</c>), or the temporal guide does not fit the content (<see cref="TemporalGuide.EnsureFits"/>).
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the run stopped within one iteration.</exception>
    public StyleTransferResult Run(RgbImage content, IReadOnlyList<StyleTargets> levelTargets, RunPlan plan, RunInputs? inputs = null,
        CancellationToken cancellationToken = default)
    {
        inputs ??= new RunInputs();
        var regions = inputs.Regions;
        var start = inputs.Start ?? inputs.Temporal?.Warped;
        if (plan.Options.Init == InitKind.FeedForward && start is null)
        {
            throw new InvalidStyleOptionException("Init", "a feed-forward start needs the start image (the style's feed-forward result for the content)");
        }
        inputs.Temporal?.EnsureFits(content.Width, content.Height);
        if (plan.NetworkFingerprint != Network.Info.Fingerprint)
        {
            throw new InvalidStyleOptionException("Plan", $"was made for {plan.NetworkFingerprint}, this engine runs {Network.Info.Fingerprint}");
        }
        if (levelTargets.Count != plan.Levels.Count)
        {
            throw new InvalidStyleOptionException("Style", $"{plan.Levels.Count} scale levels need {plan.Levels.Count} sets of style targets, got {levelTargets.Count}");
        }
        ControlValidation.CheckRegions(regions, plan);
        foreach (var style in levelTargets.Concat(regions.SelectMany(r => r.LevelTargets)))
        {
            if (style.NetworkFingerprint != Network.Info.Fingerprint)
            {
                throw new InvalidStyleOptionException("Style", $"targets were computed on {style.NetworkFingerprint}, this engine runs {Network.Info.Fingerprint}");
            }
            var missing = plan.StyleLayers.Select(l => l.Layer).Where(l => style.Find(l) is null).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidStyleOptionException("StyleLayers", $"the style targets have no statistics for {string.Join(", ", missing)}");
            }
        }
        var checkpointing = inputs.Checkpointing ?? new RunCheckpointing();
        if (checkpointing.ResumeFrom is { } resume)
        {
            CheckResume(resume, plan);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var previousThreads = get_num_threads();
        if (plan.Options.Threads is { } threads && threads != previousThreads)
        {
            set_num_threads(threads);
        }
        try
        {
            var clock = Stopwatch.StartNew();
            // Luminance-only runs on grey images: the photo and a feed-forward start alike.
            var colour = ColourTransfer.Effective(plan.Options);
            var run = new RunContext(ColourTransfer.ContentForRun(content, colour), levelTargets, plan,
                LayerPlan.Of(Network, plan), new RunProgress(plan.Levels, clock), inputs.OnProgress, checkpointing, cancellationToken)
            {
                Regions = regions,
                Photo = content,
                Start = plan.Options.Init == InitKind.FeedForward && start is not null ? ColourTransfer.ContentForRun(start, colour) : null,
                // The guide is compared with the image the run optimises: grey too when the run optimises luminance only.
                Temporal = inputs.Temporal is { Weight: > 0 } temporal
                    ? temporal with { Warped = ColourTransfer.ContentForRun(temporal.Warped, colour) }
                    : null,
            };
            return RunScales(run);
        }
        finally
        {
            if (get_num_threads() != previousThreads)
            {
                set_num_threads(previousThreads);
            }
        }
    }

    // A checkpoint resumes only the plan it was written for: same network, levels, size at its level and optimiser, with
    // state that fits. Anything else is refused before the run starts.
    private static void CheckResume(RunCheckpoint resume, RunPlan plan)
    {
        static void Check(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidStyleOptionException("Checkpoint", message);
            }
        }
        Check(resume.NetworkFingerprint == plan.NetworkFingerprint, $"was written for {resume.NetworkFingerprint}, the plan is for {plan.NetworkFingerprint}");
        Check(resume.Levels == plan.Levels.Count, $"was written for {resume.Levels} scale levels, the plan has {plan.Levels.Count}");
        Check(resume.Level >= 0 && resume.Level < plan.Levels.Count, $"level {resume.Level} is not in the plan's {plan.Levels.Count}");
        var level = plan.Levels[resume.Level];
        Check(resume.Width == level.Width && resume.Height == level.Height,
            $"holds a {resume.Width}×{resume.Height} image, the plan's level {resume.Level + 1} is {level.Width}×{level.Height}");
        Check(resume.Image.Length == 3L * level.Width * level.Height, $"holds {resume.Image.Length} values for a {level.Width}×{level.Height} image");
        Check(resume.Optimizer == plan.Options.Optimizer, $"was written by {resume.Optimizer}, the plan uses {plan.Options.Optimizer}");
        Check(resume.LevelIteration >= 0 && resume.LevelIteration <= level.Iterations && resume.Iteration >= resume.LevelIteration,
            $"iteration {resume.LevelIteration} of level {resume.Level + 1} does not fit its {level.Iterations}");
        var moments = resume.Optimizer switch
        {
            OptimizerKind.Adam => 2,
            OptimizerKind.RmsProp => 1,
            _ => 0,
        };
        Check(resume.OptimizerMoments.Count == (resume.LevelIteration == 0 ? 0 : moments),
            $"holds {resume.OptimizerMoments.Count} optimiser moments, {resume.Optimizer} at iteration {resume.LevelIteration} of a level needs {(resume.LevelIteration == 0 ? 0 : moments)}");
        Check(resume.OptimizerMoments.All(m => m.Length == resume.Image.Length), "has optimiser moments of another size than its image");
    }

    /// <summary>
    /// The losses of <paramref name="image"/> as a run with <paramref name="options"/> at the image's own size would weigh
    /// them (content from <paramref name="content"/> resized to it): for comparing results, e.g. at half size.
    /// </summary>
    public StepLosses Measure(RgbImage image, RgbImage content, StyleTargets style, StyleTransferOptions options)
    {
        var plan = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var contentTensor = ImageTensor.ToTensor(ImageCodec.Resize(content, image.Width, image.Height), Network.Device);
        var objective = StyleObjective.Create(Network, plan, contentTensor, style, options);
        return objective.Evaluate(ImageTensor.ToTensor(image, Network.Device), backward: false);
    }

    // Coarse-to-fine: each level optimises at a larger size, starting from the previous level's image upsampled and
    // matching its own style targets; a single level is the plain algorithm. Each level's tensors live in the level's own
    // dispose scope, so a finished level holds nothing but its result. A resumed run starts at its checkpoint's level.
    private StyleTransferResult RunScales(RunContext run)
    {
        var (plan, options, progress) = (run.Plan, run.Plan.Options, run.Progress);
        using var runScope = NewDisposeScope();
        var first = run.Resume?.Level ?? 0;
        var levelOptions = options;
        if (first < plan.Levels.Count - 1 && options.StyleWeight is null && run.Layers.Preset.StyleWeight is null)
        {
            levelOptions = options with { StyleWeight = run.Resume?.CoarseStyleWeight ?? FinalStyleWeight(run) };
        }
        Tensor? carried = null;
        var curvature = run.Resume?.Curvature;
        for (var level = first; level < plan.Levels.Count - 1; level++)
        {
            if (carried is not null && TimeIsUp(options, progress))
            {
                continue;
            }
            using var levelScope = NewDisposeScope();
            var (image, optimizer, _, _) = RunLevel(run, level, levelOptions, carried, curvature);
            using (optimizer)
            using (image)
            {
                curvature = (optimizer as LbfgsOptimizer)?.Curvature;
                carried?.Dispose();
                carried = image.detach().clone().MoveToOuterDisposeScope();
            }
        }

        using var lastScope = NewDisposeScope();
        var (final, lastOptimizer, objective, colours) = RunLevel(run, plan.Levels.Count - 1, options, carried, curvature);
        lastOptimizer.Dispose();
        StepLosses losses;
        RgbImage result;
        using (NewDisposeScope())
        {
            using var noGrad = no_grad();
            losses = objective.Evaluate(final, backward: false);
            result = Output(final, colours, options);
        }
        final.Dispose();
        progress.Clock.Stop();
        var elapsed = progress.Elapsed;
        return new StyleTransferResult(result, progress.Final(losses, elapsed), progress.Iteration, elapsed,
            Record(run, objective));
    }

    // One level: its content and objective, the start (the run's initial image, the previous level's result upsampled, or
    // the checkpoint's image when the run resumes at this level), and the optimiser loop. A level started from the previous
    // one's result first hands out a boundary checkpoint. Returns the image (clamped), its optimiser, the objective and the
    // level's photo (whose chroma the result may take); the caller's scope owns the tensors.
    private (Parameter Image, IImageOptimizer Optimizer, IStyleObjective Objective, Tensor Colours) RunLevel(RunContext run, int level,
        StyleTransferOptions options, Tensor? previous, double? curvature)
    {
        var planned = run.Plan.Levels[level];
        var resume = run.Resume is { } r && r.Level == level ? r : null;
        var contentTensor = ImageTensor.ToTensor(ImageCodec.Resize(run.Content, planned.Width, planned.Height), Network.Device);
        var objective = Objective(run, level, contentTensor, options);
        if (run.Temporal is { } temporal)
        {
            objective = TemporalObjective.Create(objective, Network, temporal, run.Layers.Preset.TemporalWeight, planned.Width, planned.Height);
        }
        // The colours the result takes its chroma from: the photo's, also when the run optimises its luminance only.
        var colours = run.Photo is { } photo && !ReferenceEquals(photo, run.Content)
            ? ImageTensor.ToTensor(ImageCodec.Resize(photo, planned.Width, planned.Height), Network.Device)
            : contentTensor;
        var start = resume is not null
            ? tensor(resume.Image, [1, 3, planned.Height, planned.Width], device: Network.Device)
            : previous is null ? InitialImage(contentTensor, options, run.Start) : Upsample(previous, contentTensor);
        var image = new Parameter(start, requires_grad: true);
        // L-BFGS's curvature scale carries over: per-pixel gradients shrink with the pixel count (the losses are means), so
        // the inverse curvature grows with it. Without it each level starts with PyTorch's cautious first step. Resumed
        // within a level, L-BFGS restarts cold (its (s, y) history is not in the checkpoint): a first step scaled by the
        // level's own last curvature overshot and, restarted on each rise, diverged (final loss 3.7e3× the uninterrupted
        // run's at 64 px, 20 + 20 iterations); the cautious first step ended 2 % above it (CheckpointTests).
        var warm = resume is { LevelIteration: > 0 }
            ? null
            : options.CarryOptimizerState && curvature is { } c && level > 0
                ? c * ((double)planned.Pixels / run.Plan.Levels[level - 1].Pixels)
                : (double?)null;
        var optimizer = CreateOptimizer(options, image, run.Plan.LearningRate, warm);
        try
        {
            if (resume is not null)
            {
                if (optimizer is TorchOptimizer torchOptimizer && resume.OptimizerMoments.Count > 0)
                {
                    torchOptimizer.ImportState(resume.OptimizerStep, resume.OptimizerMoments);
                }
                run.Progress.Resume(level, resume.Iteration, resume.LevelIteration, resume.Elapsed);
            }
            else
            {
                run.Progress.StartLevel(level);
                if (previous is not null)
                {
                    Checkpoint(run, level, options, image, null, curvature, []);
                }
            }
            var budget = TimeIsUp(options, run.Progress) ? 0 : planned.Iterations - run.Progress.LevelIteration;
            Optimise(image, optimizer, objective, colours, options, budget, run, (level, warm, resume?.RecentTotals ?? []));
        }
        catch
        {
            // The optimiser's history lives outside the dispose scopes.
            optimizer.Dispose();
            throw;
        }
        using (no_grad())
        {
            image.clamp_(Scalars.Zero, Scalars.One);
        }
        return (image, optimizer, objective, colours);
    }

    // Hands a checkpoint of the run at this point to the host: the image exactly as the optimiser holds it, the optimiser's
    // state (Adam/RMSprop moments; L-BFGS's curvature scale, or at a boundary the previous level's), the counts and clock.
    private void Checkpoint(RunContext run, int level, StyleTransferOptions options, Tensor image, IImageOptimizer? optimizer, double? curvature,
        IReadOnlyList<double> totals)
    {
        if (run.Checkpointing.OnCheckpoint is not { } onCheckpoint)
        {
            return;
        }
        var (plan, progress) = (run.Plan, run.Progress);
        float[] pixels;
        var (step, moments) = optimizer is TorchOptimizer torchOptimizer ? torchOptimizer.ExportState() : (0L, []);
        using (NewDisposeScope())
        {
            pixels = image.detach().cpu().contiguous().data<float>().ToArray();
        }
        var automatic = plan.Options.StyleWeight is null && level < plan.Levels.Count - 1;
        onCheckpoint(new RunCheckpoint
        {
            NetworkFingerprint = plan.NetworkFingerprint,
            Levels = plan.Levels.Count,
            Level = level,
            Iteration = progress.Iteration,
            LevelIteration = progress.LevelIteration,
            Elapsed = progress.Elapsed,
            Width = plan.Levels[level].Width,
            Height = plan.Levels[level].Height,
            Image = pixels,
            Optimizer = plan.Options.Optimizer,
            OptimizerStep = step,
            OptimizerMoments = moments,
            Curvature = (optimizer as LbfgsOptimizer)?.Curvature ?? curvature,
            CoarseStyleWeight = automatic ? options.StyleWeight : null,
            RecentTotals = [.. totals.Skip(Math.Max(0, totals.Count - (plan.Options.StopWindow + 1)))],
            Resumes = Resumes(run),
        });
    }

    private static int Resumes(RunContext run) => run.Resume is { } resume ? resume.Resumes + 1 : 0;

    private IStyleObjective Objective(RunContext run, int level, Tensor content, StyleTransferOptions options) =>
        run.Plan.Levels[level].Tiled
            ? TiledStyleObjective.Create(Network, run.Layers, content, run.LevelTargets[level], options, options.TileSize, (run.Regions, level))
            : StyleObjective.Create(Network, run.Layers, content, run.LevelTargets[level], options, (run.Regions, level));

    // The previous level's result at this level's size, with the content's own detail finer than the previous level could
    // hold added back (a Laplacian-pyramid step): bicubic upsampling alone leaves a blurred start, which cost 3 % of the
    // final loss at 512 px (docs/performance.md, "Coarse-to-fine").
    private static Tensor Upsample(Tensor previous, Tensor content)
    {
        var size = new long[] { content.shape[2], content.shape[3] };
        var up = nn.functional.interpolate(previous, size, mode: InterpolationMode.Bicubic, align_corners: false);
        using (NewDisposeScope())
        {
            var coarse = nn.functional.interpolate(content, [previous.shape[2], previous.shape[3]], mode: InterpolationMode.Area);
            var blurred = nn.functional.interpolate(coarse, size, mode: InterpolationMode.Bicubic, align_corners: false);
            up.PlusInPlace(content - blurred);
        }
        return up.clamp_(Scalars.Zero, Scalars.One);
    }

    // The automatic style weight of the output size's level: coarser levels use it too, so every level strikes the balance
    // the output asks for (both losses are means over positions, so one weight means about the same at every size); weighing
    // each level on its own pushed the content further and cost 2 % of the final loss at 512 px (docs/performance.md).
    // It costs one forward pass at the output size, which the last level repeats: cheaper than holding the output size's
    // content features through every coarser level.
    private double FinalStyleWeight(RunContext run)
    {
        using var scope = NewDisposeScope();
        var last = run.Plan.Levels[^1];
        var contentTensor = ImageTensor.ToTensor(ImageCodec.Resize(run.Content, last.Width, last.Height), Network.Device);
        return Objective(run, run.Plan.Levels.Count - 1, contentTensor, run.Plan.Options).StyleWeight;
    }

    // The optimiser loop of one level: one loss evaluation and one update per iteration, each in its own dispose scope;
    // stops at the budget, on convergence or stall, or when cancelled (checked every iteration). Between iterations it
    // hands out a checkpoint when the host says one is due (never after the level's last: a boundary or the result follows).
    private void Optimise(Parameter image, IImageOptimizer optimizer, IStyleObjective objective, Tensor content, StyleTransferOptions options,
        int budget, RunContext run, (int Index, double? Curvature, IReadOnlyList<double> Totals) level)
    {
        var (progress, onProgress, cancellationToken) = (run.Progress, run.OnProgress, run.CancellationToken);
        var isDue = run.Checkpointing.OnCheckpoint is null ? null : run.Checkpointing.IsDue;
        var totals = new List<double>(level.Totals);
        for (var step = 0; step < budget && !optimizer.Converged; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            StepLosses losses;
            RgbImage? preview = null;
            using (NewDisposeScope())
            {
                losses = optimizer.Step(() => objective.Evaluate(image, backward: true));
                progress.Advance();
                if (options.PreviewEvery > 0 && progress.Iteration % options.PreviewEvery == 0)
                {
                    preview = Output(image, content, options);
                }
            }
            if (!double.IsFinite(losses.Total))
            {
                throw new StyleTransferException($"the loss became {losses.Total} at iteration {progress.Iteration}; lower the learning rate or the weights");
            }
            var after = progress.After(losses, preview);
            onProgress?.Invoke(after);
            totals.Add(losses.Total);
            if (HasStalled(totals, options) || TimeIsUp(options, progress))
            {
                break;
            }
            if (isDue is not null && step + 1 < budget && !optimizer.Converged && isDue(after))
            {
                Checkpoint(run, level.Index, options, image, optimizer, level.Curvature, totals);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="plan"/> as <see cref="Run(RgbImage, IReadOnlyList{StyleTargets}, RunPlan, RunInputs?, CancellationToken)"/>
    /// does, on one of the engine's long-lived worker threads; the callbacks of <paramref name="inputs"/> (progress,
    /// checkpointing) are called there and must not block: hand what they get on. Cancelling the token stops the run within
    /// one iteration.
    /// </summary>
    public Task<StyleTransferResult> RunOnWorkerAsync(RgbImage content, IReadOnlyList<StyleTargets> levelTargets, RunPlan plan,
        RunInputs? inputs, CancellationToken cancellationToken) =>
        EngineWorkers.Run(() => Run(content, levelTargets, plan, inputs, cancellationToken));

    /// <summary>
    /// Plans and runs on one of the engine's worker threads with the same style targets at every level, streaming each
    /// iteration, then one <see cref="StyleTransferCompleted"/>. Nothing is dropped: a reader that wants fewer frames paces
    /// them itself. Abandoning the enumeration cancels the run.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range or does not fit the network (thrown here, before any enumeration).</exception>
    public IAsyncEnumerable<StyleTransferUpdate> RunAsync(RgbImage content, StyleTargets style, StyleTransferOptions options,
        CancellationToken cancellationToken = default)
    {
        var plan = Plan(content.Width, content.Height, options);
        return StreamAsync(content, [.. plan.Levels.Select(_ => style)], plan, cancellationToken);
    }

    private async IAsyncEnumerable<StyleTransferUpdate> StreamAsync(RgbImage content, IReadOnlyList<StyleTargets> levelTargets, RunPlan plan,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<StyleTransferUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var run = EngineWorkers.Run(() =>
        {
            try
            {
                return Run(content, levelTargets, plan, new RunInputs { OnProgress = p => channel.Writer.TryWrite(new StyleTransferStep(p)) }, linked.Token);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        });
        try
        {
            await foreach (var update in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                yield return update;
            }
            yield return new StyleTransferCompleted(await run.ConfigureAwait(false));
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (Exception) when (run.IsCompleted)
            {
                // Already observed above, or the run was abandoned by the reader.
            }
        }
    }

    private RgbImage Output(Tensor image, Tensor content, StyleTransferOptions options)
    {
        using var scope = NewDisposeScope();
        var current = image.detach().clamp(Scalars.Zero, Scalars.One);
        return ImageTensor.ToImage(ColourTransfer.KeepsPhotoChroma(ColourTransfer.Effective(options)) ? ImageTensor.KeepOriginalColours(current, content) : current);
    }

    private static Tensor InitialImage(Tensor content, StyleTransferOptions options, RgbImage? start)
    {
        if (options.Init == InitKind.Content)
        {
            return content.clone();
        }
        if (options.Init == InitKind.FeedForward)
        {
            return ImageTensor.ToTensor(ImageCodec.Resize(start!, (int)content.shape[3], (int)content.shape[2]), content.device);
        }
        using var generator = new Generator((ulong)options.Seed, content.device);
        var noise = rand(content.shape, generator: generator, device: content.device);
        if (options.Init == InitKind.Noise)
        {
            return noise;
        }
        using var keep = (1 - options.InitNoiseRatio).ToScalar();
        using var ratio = options.InitNoiseRatio.ToScalar();
        return content.mul(keep).PlusInPlace(noise.mul_(ratio));
    }

    private static IImageOptimizer CreateOptimizer(StyleTransferOptions options, Parameter image, double learningRate, double? curvature) =>
        options.Optimizer == OptimizerKind.Lbfgs
            ? new LbfgsOptimizer(image, learningRate, options.LbfgsHistory, options.ClampPixels, curvature)
            : new TorchOptimizer(image, options.Optimizer, learningRate);

    private static double DefaultLearningRate(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Adam => 0.02,
        OptimizerKind.RmsProp => 0.01,
        _ => 1.0,
    };

    private static bool TimeIsUp(StyleTransferOptions options, RunProgress progress) => options.TimeLimit is { } limit && progress.Elapsed >= limit;

    private static bool HasStalled(List<double> totals, StyleTransferOptions options)
    {
        if (options.RelativeTolerance <= 0 || totals.Count <= options.StopWindow)
        {
            return false;
        }
        var before = totals[^(options.StopWindow + 1)];
        return Math.Abs(before - totals[^1]) <= options.RelativeTolerance * Math.Abs(before);
    }

    private ReproducibilityRecord Record(RunContext run, IStyleObjective objective)
    {
        var (plan, options) = (run.Plan, run.Plan.Options);
        return new()
        {
            Plan = plan,
            ScaleLevels = plan.Levels.Count,
            TileSize = objective is TiledStyleObjective ? options.TileSize : 0,
            CoarseIterations = plan.Levels.Count > 1 ? plan.Levels[0].Iterations : 0,
            EngineVersion = Version,
            Network = Network.Info,
            Device = Network.Device.ToString(),
            Preset = plan.Preset,
            ContentLayers = plan.ContentLayers,
            StyleLayers = plan.StyleLayers,
            ContentWeight = objective.ContentWeight,
            StyleWeight = objective.StyleWeight,
            StyleWeightAutomatic = objective.StyleWeightAutomatic,
            TotalVariationWeight = objective.TotalVariationWeight,
            Optimizer = options.Optimizer,
            LearningRate = plan.LearningRate,
            Iterations = options.Iterations,
            Init = options.Init,
            InitNoiseRatio = options.InitNoiseRatio,
            Seed = options.Seed,
            Width = plan.Width,
            Height = plan.Height,
            StyleWidth = run.LevelTargets[^1].StyleWidth,
            StyleHeight = run.LevelTargets[^1].StyleHeight,
            KeepOriginalColours = ColourTransfer.Effective(options) == ColourControl.KeepOriginal,
            RelativeTolerance = options.RelativeTolerance,
            Threads = get_num_threads(),
            ResumedFromIteration = run.Resume?.Iteration ?? 0,
            Resumes = Resumes(run),
            ColourControl = ColourTransfer.Effective(options),
            Regions = [.. run.Regions.Select(r => new RegionRecord(r.MaskSha256, r.Style, r.Weight, r.Mask.Area))],
            TemporalWeight = (objective as TemporalObjective)?.TemporalWeight ?? 0,
        };
    }

    private static void Validate(StyleTransferOptions o, RunLimits limits)
    {
        var maxSide = Math.Min(limits.MaxSide, MaxSideLimit);
        var maxIterations = Math.Min(limits.MaxIterations, MaxIterationsLimit);
        Require(o.MaxSide >= 16 && o.MaxSide <= maxSide, "MaxSide", $"must be between 16 and {maxSide} pixels");
        Require(o.Iterations >= 1 && o.Iterations <= maxIterations, "Iterations", $"must be between 1 and {maxIterations}");
        Require(o.LearningRate is null || (double.IsFinite(o.LearningRate.Value) && o.LearningRate > 0), "LearningRate", "must be a finite number > 0");
        Require(o.ContentWeight is null || (double.IsFinite(o.ContentWeight.Value) && o.ContentWeight >= 0), "ContentWeight", "must be a finite number ≥ 0");
        Require(o.StyleWeight is null || (double.IsFinite(o.StyleWeight.Value) && o.StyleWeight >= 0), "StyleWeight", "must be a finite number ≥ 0");
        Require(o.TotalVariationWeight is null || (double.IsFinite(o.TotalVariationWeight.Value) && o.TotalVariationWeight >= 0), "TotalVariationWeight", "must be a finite number ≥ 0");
        Require(double.IsFinite(o.AutoStyleWeightFactor) && o.AutoStyleWeightFactor > 0, "AutoStyleWeightFactor", "must be a finite number > 0");
        Require(o.InitNoiseRatio is >= 0 and <= 1, "InitNoiseRatio", "must be between 0 and 1");
        Require(o.PreviewEvery >= 0, "PreviewEvery", "must be ≥ 0");
        Require(o.PreviewEvery == 0 || limits.MaxPreviews == 0 || o.Iterations / o.PreviewEvery <= limits.MaxPreviews, "PreviewEvery",
            $"would send {o.Iterations / Math.Max(1, o.PreviewEvery)} previews, more than the limit of {limits.MaxPreviews}");
        Require(double.IsFinite(o.RelativeTolerance) && o.RelativeTolerance is >= 0 and < 1, "RelativeTolerance", "must be in [0, 1)");
        Require(o.StopWindow >= 1, "StopWindow", "must be ≥ 1");
        Require(o.LbfgsHistory is >= 1 and <= 1000, "LbfgsHistory", "must be between 1 and 1000");
        Require(o.ScaleLevels is >= 0 and <= ScaleSchedule.MaxLevels, "ScaleLevels", $"must be between 1 and {ScaleSchedule.MaxLevels} (0 = automatic)");
        Require(o.CoarseIterations is null || (o.CoarseIterations >= 1 && o.CoarseIterations <= maxIterations), "CoarseIterations",
            $"must be between 1 and {maxIterations} (unset = automatic)");
        Require(o.Threads is null or (>= 1 and <= 256), "Threads", "must be between 1 and 256");
        Require(o.TimeLimit is null || o.TimeLimit > TimeSpan.Zero, "TimeLimit", "must be positive");
        Require(o.TileSize == 0 || (o.TileSize >= 32 && o.TileSize <= maxSide), "TileSize", $"must be between 32 and {maxSide} pixels (0 = never tile)");
        Require(o.TileAbove >= 0, "TileAbove", "must be ≥ 0");
        Require(Enum.IsDefined(o.Optimizer), "Optimizer", "is not a known optimizer");
        Require(Enum.IsDefined(o.Init), "Init", "is not a known init");
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new InvalidStyleOptionException(field, message);
        }
    }
}
