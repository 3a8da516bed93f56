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
    /// Runs style transfer on the calling thread. <paramref name="onProgress"/> is called after every
    /// iteration on this thread; <paramref name="cancellationToken"/> is checked before every iteration.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range or does not fit the network or targets.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the run stopped within one iteration.</exception>
    public StyleTransferResult Run(RgbImage content, StyleTargets style, StyleTransferOptions options,
        Action<StyleTransferProgress>? onProgress = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        var plan = LayerPlan.Resolve(Network, options.Preset, options.ContentLayers, options.StyleLayers);
        if (style.NetworkFingerprint != Network.Info.Fingerprint)
        {
            throw new InvalidStyleOptionException("Style", $"targets were computed on {style.NetworkFingerprint}, this engine runs {Network.Info.Fingerprint}");
        }
        var missing = plan.Style.Select(l => l.Layer).Where(l => style.Find(l) is null).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidStyleOptionException("StyleLayers", $"the style targets have no statistics for {string.Join(", ", missing)}");
        }
        cancellationToken.ThrowIfCancellationRequested();
        var previousThreads = get_num_threads();
        if (options.Threads is { } threads && threads != previousThreads)
        {
            set_num_threads(threads);
        }
        try
        {
            return RunScales(content, style, options, plan, onProgress, cancellationToken);
        }
        finally
        {
            if (get_num_threads() != previousThreads)
            {
                set_num_threads(previousThreads);
            }
        }
    }

    // Coarse-to-fine: each level optimises at a larger size, starting from the previous level's
    // image upsampled; a single level is the plain algorithm.
    private StyleTransferResult RunScales(RgbImage content, StyleTargets style, StyleTransferOptions options, LayerPlan plan,
        Action<StyleTransferProgress>? onProgress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var coarseIterations = options.CoarseIterations ?? Math.Max(1, options.Iterations / 2);
        var totalIterations = options.Iterations + (options.ScaleLevels - 1) * coarseIterations;
        var learningRate = options.LearningRate ?? DefaultLearningRate(options.Optimizer);
        using var runScope = NewDisposeScope();
        Tensor? carried = null;
        IStyleObjective? objective = null;
        Tensor? contentTensor = null;
        var (width, height) = (0, 0);
        var iteration = 0;
        for (var level = options.ScaleLevels - 1; level >= 0; level--)
        {
            var maxSide = Math.Max(16, options.MaxSide >> level);
            var tiled = options.TileSize > 0 && maxSide > options.TileSize;
            var multiple = tiled ? Math.Max(Network.SizeMultiple, TileGeometry.For(Network, plan.AllLayers).Stride) : Network.SizeMultiple;
            (width, height) = ImageCodec.FitWithin(content.Width, content.Height, maxSide, multiple);
            contentTensor = ImageTensor.ToTensor(ImageCodec.Resize(content, width, height), Network.Device);
            objective = tiled
                ? TiledStyleObjective.Create(Network, plan, contentTensor, style, options, options.TileSize)
                : StyleObjective.Create(Network, plan, contentTensor, style, options);
            var start = carried is null
                ? InitialImage(contentTensor, options)
                : nn.functional.interpolate(carried, [height, width], mode: InterpolationMode.Bicubic, align_corners: false).clamp_(Scalars.Zero, Scalars.One);
            using var image = new Parameter(start, requires_grad: true);
            using var optimizer = CreateOptimizer(options, image, learningRate);
            var budget = level == 0 ? options.Iterations : coarseIterations;
            iteration = Optimise(image, optimizer, objective, contentTensor, options, budget, iteration, totalIterations, clock, onProgress, cancellationToken);
            using (no_grad())
            {
                image.clamp_(Scalars.Zero, Scalars.One);
            }
            carried = image.detach().clone();
        }

        StepLosses final;
        RgbImage result;
        using (NewDisposeScope())
        {
            using var noGrad = no_grad();
            final = objective!.Evaluate(carried!, backward: false);
            result = Output(carried!, contentTensor!, options);
        }
        clock.Stop();
        var finalProgress = Progress(iteration, iteration, final, clock.Elapsed, null);
        return new StyleTransferResult(result, finalProgress, iteration, clock.Elapsed,
            Record(options, plan, objective, learningRate, width, height, style));
    }

    // The optimiser loop of one scale: one loss evaluation and one update per iteration, each in its own
    // dispose scope; stops at the budget, on convergence or stall, or when cancelled (checked every iteration).
    private int Optimise(Parameter image, IImageOptimizer optimizer, IStyleObjective objective, Tensor content, StyleTransferOptions options,
        int budget, int iteration, int totalIterations, Stopwatch clock, Action<StyleTransferProgress>? onProgress, CancellationToken cancellationToken)
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
                iteration++;
                if (options.PreviewEvery > 0 && iteration % options.PreviewEvery == 0)
                {
                    preview = Output(image, content, options);
                }
            }
            if (!double.IsFinite(losses.Total))
            {
                throw new StyleTransferException($"the loss became {losses.Total} at iteration {iteration}; lower the learning rate or the weights");
            }
            onProgress?.Invoke(Progress(iteration, totalIterations, losses, clock.Elapsed, preview));
            totals.Add(losses.Total);
            if (HasStalled(totals, options))
            {
                break;
            }
        }
        return iteration;
    }

    /// <summary>
    /// Runs on one of the engine's long-lived worker threads and streams each iteration, then one <see cref="StyleTransferCompleted"/>.
    /// Progress items may be dropped (never the completion) when the reader falls more than 64 behind.
    /// Abandoning the enumeration cancels the run.
    /// </summary>
    public async IAsyncEnumerable<StyleTransferUpdate> RunAsync(RgbImage content, StyleTargets style, StyleTransferOptions options,
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
                return Run(content, style, options, p => channel.Writer.TryWrite(new StyleTransferStep(p)), linked.Token);
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

    private static IImageOptimizer CreateOptimizer(StyleTransferOptions options, Parameter image, double learningRate) =>
        options.Optimizer == OptimizerKind.Lbfgs
            ? new LbfgsOptimizer(image, learningRate, options.LbfgsHistory, options.ClampPixels)
            : new TorchOptimizer(image, options.Optimizer, learningRate);

    private static double DefaultLearningRate(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Adam => 0.02,
        OptimizerKind.RmsProp => 0.01,
        _ => 1.0,
    };

    private static bool HasStalled(List<double> totals, StyleTransferOptions options)
    {
        if (options.RelativeTolerance <= 0 || totals.Count <= options.StopWindow)
        {
            return false;
        }
        var before = totals[^(options.StopWindow + 1)];
        return Math.Abs(before - totals[^1]) <= options.RelativeTolerance * Math.Abs(before);
    }

    private static StyleTransferProgress Progress(int iteration, int total, StepLosses losses, TimeSpan elapsed, RgbImage? preview) =>
        new(iteration, total, losses.Content, losses.Style, losses.TotalVariation, losses.Total, elapsed,
            iteration == 0 ? TimeSpan.Zero : elapsed / iteration * Math.Max(0, total - iteration), preview);

    private ReproducibilityRecord Record(StyleTransferOptions options, LayerPlan plan, IStyleObjective objective,
        double learningRate, int width, int height, StyleTargets style) => new()
    {
        ScaleLevels = options.ScaleLevels,
        TileSize = objective is TiledStyleObjective ? options.TileSize : 0,
        CoarseIterations = options.ScaleLevels > 1 ? options.CoarseIterations ?? Math.Max(1, options.Iterations / 2) : 0,
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
        Require(o.ScaleLevels is >= 1 and <= 4, "ScaleLevels", "must be between 1 and 4");
        Require(o.CoarseIterations is null or (>= 1 and <= 100_000), "CoarseIterations", "must be between 1 and 100000");
        Require(o.Threads is null or (>= 1 and <= 256), "Threads", "must be between 1 and 256");
        Require(o.TileSize == 0 || o.TileSize is >= 32 and <= 8192, "TileSize", "must be 0 (never tile) or between 32 and 8192 pixels");
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
