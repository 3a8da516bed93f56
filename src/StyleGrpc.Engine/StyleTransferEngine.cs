using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
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

    /// <summary>
    /// How runs with these options would be tiled: the stride tiles start on and the margin around each tile's core, in
    /// pixels (measured once per network and layer set).
    /// </summary>
    public (int Stride, int Margin) Tiling(StyleTransferOptions options)
    {
        var geometry = TileGeometry.For(Network, LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers).AllLayers);
        return (geometry.Stride, geometry.Margin);
    }

    /// <summary>The network every run uses.</summary>
    public IFeatureNetwork Network { get; } = network;

    /// <summary>Computes the Gram targets (and channel statistics) of a style image.</summary>
    public StyleTargets ComputeStyleTargets(RgbImage style, StyleTargetOptions? options = null)
    {
        options ??= new StyleTargetOptions();
        Require(options.MaxSide is >= 16 and <= 8192, "MaxSide", "must be between 16 and 8192 pixels");
        var plan = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        var (width, height) = ImageCodec.FitWithin(style.Width, style.Height, options.MaxSide, Network.SizeMultiple, upscale: true);
        var resized = ImageCodec.Resize(style, width, height);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = Network.Extract(ImageTensor.ToTensor(resized, Network.Device), plan.AllLayers);
        var layers = Network.LayerNames.Where(features.ContainsKey).Select(name =>
        {
            var f = features[name];
            return new LayerStatistics(name, (int)f.shape[1],
                StyleLosses.Gram(f).cpu().data<float>().ToArray(),
                f.mean([0, 2, 3]).cpu().data<float>().ToArray());
        }).ToList();
        return new StyleTargets(Network.Info.Fingerprint, layers, width, height);
    }

    /// <summary>
    /// The style targets every level of a run with <paramref name="options"/> needs, coarsest first: the style image at
    /// <paramref name="targetOptions"/>' side for the output size, scaled with the content at coarser levels
    /// (<see cref="ScaleSchedule.StyleSide"/>). A single-scale run needs one.
    /// </summary>
    public IReadOnlyList<StyleTargets> ComputeLevelTargets(RgbImage style, StyleTargetOptions targetOptions, StyleTransferOptions options)
    {
        Validate(options);
        return [.. ScaleSchedule.Plan(options).Select(level =>
            ComputeStyleTargets(style, targetOptions with { MaxSide = ScaleSchedule.StyleSide(targetOptions.MaxSide, level, options.MaxSide) }))];
    }

    /// <summary>
    /// Runs style transfer on the calling thread with the same style targets at every level (coarse-to-fine runs match
    /// better with <see cref="ComputeLevelTargets"/>'s, one per level). <paramref name="onProgress"/> is called after every
    /// iteration on this thread; <paramref name="cancellationToken"/> is checked before every iteration.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range or does not fit the network or targets.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the run stopped within one iteration.</exception>
    public StyleTransferResult Run(RgbImage content, StyleTargets style, StyleTransferOptions options,
        Action<StyleTransferProgress>? onProgress = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        return Run(content, [.. ScaleSchedule.Plan(options).Select(_ => style)], options, onProgress, cancellationToken);
    }

    /// <summary>
    /// Runs style transfer on the calling thread, level by level (<see cref="ScaleSchedule.Plan"/>), with
    /// <paramref name="levelTargets"/> holding one set of style targets per level, coarsest first.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range or does not fit the network or targets.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the run stopped within one iteration.</exception>
    public StyleTransferResult Run(RgbImage content, IReadOnlyList<StyleTargets> levelTargets, StyleTransferOptions options,
        Action<StyleTransferProgress>? onProgress = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        var plan = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        var levels = ScaleSchedule.Plan(options);
        if (levelTargets.Count != levels.Count)
        {
            throw new InvalidStyleOptionException("Style", $"{levels.Count} scale levels need {levels.Count} sets of style targets, got {levelTargets.Count}");
        }
        foreach (var style in levelTargets)
        {
            if (style.NetworkFingerprint != Network.Info.Fingerprint)
            {
                throw new InvalidStyleOptionException("Style", $"targets were computed on {style.NetworkFingerprint}, this engine runs {Network.Info.Fingerprint}");
            }
            var missing = plan.Style.Select(l => l.Layer).Where(l => style.Find(l) is null).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidStyleOptionException("StyleLayers", $"the style targets have no statistics for {string.Join(", ", missing)}");
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        var previousThreads = get_num_threads();
        if (options.Threads is { } threads && threads != previousThreads)
        {
            set_num_threads(threads);
        }
        try
        {
            return RunScales(content, levelTargets, levels, options, plan, onProgress, cancellationToken);
        }
        finally
        {
            if (get_num_threads() != previousThreads)
            {
                set_num_threads(previousThreads);
            }
        }
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
    // dispose scope, so a finished level holds nothing but its result.
    private StyleTransferResult RunScales(RgbImage content, IReadOnlyList<StyleTargets> levelTargets, IReadOnlyList<ScaleLevel> levels,
        StyleTransferOptions options, LayerPlan plan, Action<StyleTransferProgress>? onProgress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var learningRate = options.LearningRate ?? DefaultLearningRate(options.Optimizer);
        using var runScope = NewDisposeScope();
        var sizes = LevelSizes(content.Width, content.Height, options);
        var progress = new RunProgress(levels, sizes, clock);
        var levelOptions = options;
        if (levels.Count > 1 && options.StyleWeight is null && plan.Preset.StyleWeight is null)
        {
            levelOptions = options with { StyleWeight = FinalStyleWeight(content, levelTargets[^1], options, plan, sizes[^1]) };
        }
        Tensor? carried = null;
        double? curvature = null;
        for (var level = 0; level < levels.Count - 1; level++)
        {
            if (carried is not null && TimeIsUp(options, clock))
            {
                continue;
            }
            using var levelScope = NewDisposeScope();
            var (image, optimizer) = RunLevel(content, plan, levelTargets, levels, sizes, level, levelOptions, carried, curvature, learningRate, progress,
                onProgress, cancellationToken, out _, out _);
            using (optimizer)
            using (image)
            {
                curvature = (optimizer as LbfgsOptimizer)?.Curvature;
                carried?.Dispose();
                carried = image.detach().clone().MoveToOuterDisposeScope();
            }
        }

        using var lastScope = NewDisposeScope();
        var last = levels.Count - 1;
        var (final, lastOptimizer) = RunLevel(content, plan, levelTargets, levels, sizes, last, options, carried, curvature, learningRate, progress,
            onProgress, cancellationToken, out var objective, out var contentTensor);
        lastOptimizer.Dispose();
        StepLosses losses;
        RgbImage result;
        using (NewDisposeScope())
        {
            using var noGrad = no_grad();
            losses = objective.Evaluate(final, backward: false);
            result = Output(final, contentTensor, options);
        }
        final.Dispose();
        clock.Stop();
        var (width, height, _) = sizes[last];
        return new StyleTransferResult(result, progress.Final(losses, clock.Elapsed), progress.Iteration, clock.Elapsed,
            Record(options, levels, plan, objective, learningRate, width, height, levelTargets[^1]));
    }

    // One level: its content and objective, the start (the run's initial image, or the previous level's result upsampled),
    // and the optimiser loop. Returns the image (clamped) and its optimiser; the caller's scope owns the rest.
    private (Parameter Image, IImageOptimizer Optimizer) RunLevel(RgbImage content, LayerPlan plan, IReadOnlyList<StyleTargets> levelTargets, IReadOnlyList<ScaleLevel> levels,
        IReadOnlyList<(int Width, int Height, bool Tiled)> sizes, int level, StyleTransferOptions options, Tensor? previous, double? curvature,
        double learningRate, RunProgress progress, Action<StyleTransferProgress>? onProgress, CancellationToken cancellationToken,
        out IStyleObjective objective, out Tensor contentTensor)
    {
        var (width, height, tiled) = sizes[level];
        contentTensor = ImageTensor.ToTensor(ImageCodec.Resize(content, width, height), Network.Device);
        objective = tiled
            ? TiledStyleObjective.Create(Network, plan, contentTensor, levelTargets[level], options, options.TileSize)
            : StyleObjective.Create(Network, plan, contentTensor, levelTargets[level], options);
        var start = previous is null ? InitialImage(contentTensor, options) : Upsample(previous, contentTensor);
        var image = new Parameter(start, requires_grad: true);
        // L-BFGS's curvature scale carries over: per-pixel gradients shrink with the pixel count (the losses are means), so
        // the inverse curvature grows with it. Without it each level starts with PyTorch's cautious first step.
        var warm = options.CarryOptimizerState && curvature is { } c && level > 0
            ? c * ((double)width * height / (sizes[level - 1].Width * sizes[level - 1].Height))
            : (double?)null;
        var optimizer = CreateOptimizer(options, image, learningRate, warm);
        progress.StartLevel(level);
        var budget = TimeIsUp(options, progress.Clock) ? 0 : levels[level].Iterations;
        try
        {
            Optimise(image, optimizer, objective, contentTensor, options, budget, progress, onProgress, cancellationToken);
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
        return (image, optimizer);
    }

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
            up.add_(content - blurred);
        }
        return up.clamp_(Scalars.Zero, Scalars.One);
    }

    // The automatic style weight of the output size's level: coarser levels use it too, so every level strikes the balance
    // the output asks for (both losses are means over positions, so one weight means about the same at every size); weighing
    // each level on its own pushed the content further and cost 2 % of the final loss at 512 px (docs/performance.md).
    // It costs one forward pass at the output size, which the last level repeats: cheaper than holding the output size's
    // content features through every coarser level.
    private double FinalStyleWeight(RgbImage content, StyleTargets style, StyleTransferOptions options, LayerPlan plan, (int Width, int Height, bool Tiled) size)
    {
        using var scope = NewDisposeScope();
        var contentTensor = ImageTensor.ToTensor(ImageCodec.Resize(content, size.Width, size.Height), Network.Device);
        IStyleObjective objective = size.Tiled
            ? TiledStyleObjective.Create(Network, plan, contentTensor, style, options, options.TileSize)
            : StyleObjective.Create(Network, plan, contentTensor, style, options);
        return objective.StyleWeight;
    }

    /// <summary>
    /// The image size of every level of a run on a <paramref name="contentWidth"/>×<paramref name="contentHeight"/> content
    /// image, coarsest first (the last is the output's), and whether the level is computed in tiles: when it is larger than
    /// <see cref="StyleTransferOptions.TileSize"/> and <see cref="StyleTransferOptions.TileAbove"/>; tiled levels have sides on
    /// the tile stride.
    /// </summary>
    public IReadOnlyList<(int Width, int Height, bool Tiled)> LevelSizes(int contentWidth, int contentHeight, StyleTransferOptions options)
    {
        var plan = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        return [.. ScaleSchedule.Plan(options).Select(level =>
        {
            var tiled = options.TileSize > 0 && level.MaxSide > Math.Max(options.TileSize, options.TileAbove);
            var multiple = tiled ? Math.Max(Network.SizeMultiple, TileGeometry.For(Network, plan.AllLayers).Stride) : Network.SizeMultiple;
            var (width, height) = ImageCodec.FitWithin(contentWidth, contentHeight, level.MaxSide, multiple);
            return (width, height, tiled);
        })];
    }

    // The optimiser loop of one level: one loss evaluation and one update per iteration, each in its own dispose scope;
    // stops at the budget, on convergence or stall, or when cancelled (checked every iteration).
    private void Optimise(Parameter image, IImageOptimizer optimizer, IStyleObjective objective, Tensor content, StyleTransferOptions options,
        int budget, RunProgress progress, Action<StyleTransferProgress>? onProgress, CancellationToken cancellationToken)
    {
        var totals = new List<double>();
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
            onProgress?.Invoke(progress.After(losses, preview));
            totals.Add(losses.Total);
            if (HasStalled(totals, options) || TimeIsUp(options, progress.Clock))
            {
                break;
            }
        }
    }

    /// <summary>
    /// Runs on one of the engine's long-lived worker threads and streams each iteration, then one <see cref="StyleTransferCompleted"/>.
    /// Progress items may be dropped (never the completion) when the reader falls more than 64 behind.
    /// Abandoning the enumeration cancels the run.
    /// </summary>
    public IAsyncEnumerable<StyleTransferUpdate> RunAsync(RgbImage content, StyleTargets style, StyleTransferOptions options,
        CancellationToken cancellationToken = default)
    {
        Validate(options);
        return RunAsync(content, [.. ScaleSchedule.Plan(options).Select(_ => style)], options, cancellationToken);
    }

    /// <summary>As <see cref="RunAsync(RgbImage, StyleTargets, StyleTransferOptions, CancellationToken)"/>, with one set of style targets per level.</summary>
    public async IAsyncEnumerable<StyleTransferUpdate> RunAsync(RgbImage content, IReadOnlyList<StyleTargets> levelTargets, StyleTransferOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<StyleTransferUpdate>(new BoundedChannelOptions(64)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        var run = EngineWorkers.Run(() =>
        {
            try
            {
                return Run(content, levelTargets, options, p => channel.Writer.TryWrite(new StyleTransferStep(p)), linked.Token);
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
        return ImageTensor.ToImage(options.KeepOriginalColours ? ImageTensor.KeepOriginalColours(current, content) : current);
    }

    private static Tensor InitialImage(Tensor content, StyleTransferOptions options)
    {
        if (options.Init == InitKind.Content)
        {
            return content.clone();
        }
        using var generator = new Generator((ulong)options.Seed, content.device);
        var noise = rand(content.shape, generator: generator, device: content.device);
        if (options.Init == InitKind.Noise)
        {
            return noise;
        }
        using var keep = (1 - options.InitNoiseRatio).ToScalar();
        using var ratio = options.InitNoiseRatio.ToScalar();
        return content.mul(keep).add_(noise.mul_(ratio));
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

    private static bool TimeIsUp(StyleTransferOptions options, Stopwatch clock) => options.TimeLimit is { } limit && clock.Elapsed >= limit;

    private static bool HasStalled(List<double> totals, StyleTransferOptions options)
    {
        if (options.RelativeTolerance <= 0 || totals.Count <= options.StopWindow)
        {
            return false;
        }
        var before = totals[^(options.StopWindow + 1)];
        return Math.Abs(before - totals[^1]) <= options.RelativeTolerance * Math.Abs(before);
    }

    private ReproducibilityRecord Record(StyleTransferOptions options, IReadOnlyList<ScaleLevel> levels, LayerPlan plan, IStyleObjective objective,
        double learningRate, int width, int height, StyleTargets style) => new()
    {
        ScaleLevels = levels.Count,
        TileSize = objective is TiledStyleObjective ? options.TileSize : 0,
        CoarseIterations = levels.Count > 1 ? levels[0].Iterations : 0,
        EngineVersion = Version,
        Network = Network.Info,
        Device = Network.Device.ToString(),
        Preset = plan.Preset.Name,
        ContentLayers = plan.Content,
        StyleLayers = plan.Style,
        ContentWeight = objective.ContentWeight,
        StyleWeight = objective.StyleWeight,
        StyleWeightAutomatic = objective.StyleWeightAutomatic,
        TotalVariationWeight = objective.TotalVariationWeight,
        Optimizer = options.Optimizer,
        LearningRate = learningRate,
        Iterations = options.Iterations,
        Init = options.Init,
        InitNoiseRatio = options.InitNoiseRatio,
        Seed = options.Seed,
        Width = width,
        Height = height,
        StyleWidth = style.StyleWidth,
        StyleHeight = style.StyleHeight,
        KeepOriginalColours = options.KeepOriginalColours,
        RelativeTolerance = options.RelativeTolerance,
        Threads = get_num_threads(),
    };

    private static void Validate(StyleTransferOptions o)
    {
        Require(o.MaxSide is >= 16 and <= 8192, "MaxSide", "must be between 16 and 8192 pixels");
        Require(o.Iterations is >= 1 and <= 100_000, "Iterations", "must be between 1 and 100000");
        Require(o.LearningRate is null || (double.IsFinite(o.LearningRate.Value) && o.LearningRate > 0), "LearningRate", "must be a finite number > 0");
        Require(o.ContentWeight is null || (double.IsFinite(o.ContentWeight.Value) && o.ContentWeight >= 0), "ContentWeight", "must be a finite number ≥ 0");
        Require(o.StyleWeight is null || (double.IsFinite(o.StyleWeight.Value) && o.StyleWeight >= 0), "StyleWeight", "must be a finite number ≥ 0");
        Require(o.TotalVariationWeight is null || (double.IsFinite(o.TotalVariationWeight.Value) && o.TotalVariationWeight >= 0), "TotalVariationWeight", "must be a finite number ≥ 0");
        Require(double.IsFinite(o.AutoStyleWeightFactor) && o.AutoStyleWeightFactor > 0, "AutoStyleWeightFactor", "must be a finite number > 0");
        Require(o.InitNoiseRatio is >= 0 and <= 1, "InitNoiseRatio", "must be between 0 and 1");
        Require(o.PreviewEvery >= 0, "PreviewEvery", "must be ≥ 0");
        Require(double.IsFinite(o.RelativeTolerance) && o.RelativeTolerance >= 0, "RelativeTolerance", "must be a finite number ≥ 0");
        Require(o.StopWindow >= 1, "StopWindow", "must be ≥ 1");
        Require(o.LbfgsHistory is >= 1 and <= 1000, "LbfgsHistory", "must be between 1 and 1000");
        Require(o.ScaleLevels is >= 0 and <= ScaleSchedule.MaxLevels, "ScaleLevels", $"must be between 0 (automatic) and {ScaleSchedule.MaxLevels}");
        Require(o.CoarseIterations is null or (>= 1 and <= 100_000), "CoarseIterations", "must be between 1 and 100000");
        Require(o.Threads is null or (>= 1 and <= 256), "Threads", "must be between 1 and 256");
        Require(o.TimeLimit is null || o.TimeLimit > TimeSpan.Zero, "TimeLimit", "must be positive");
        Require(o.TileSize == 0 || o.TileSize is >= 32 and <= 8192, "TileSize", "must be 0 (never tile) or between 32 and 8192 pixels");
        Require(o.TileAbove >= 0, "TileAbove", "must be ≥ 0");
        Require(Enum.IsDefined(o.Optimizer), "Optimizer", "is not a known optimiser");
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
