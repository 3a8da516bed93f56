using System.Diagnostics;
using StyleGrpc.Engine.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Trains a style's feed-forward network (Johnson et al. 2016 with instance normalisation) against the engine's feature
/// network: the perceptual loss is the engine's own (its preset's content and style layers, the style's stored targets).
/// </summary>
/// <remarks>
/// Each iteration draws a batch of random crops of the photos (<see cref="TrainingSampler"/>), stylises it, and takes one
/// Adam step on the network's weights against <see cref="PerceptualLoss"/>; the feature network stays frozen. Every
/// iteration runs in its own dispose scope. Same photos, options and seed give the same weights, and a training resumed
/// from a checkpoint continues exactly as the uninterrupted one (on the same machine and thread count).
/// </remarks>
public sealed class FeedForwardTrainer(StyleTransferEngine engine)
{
    /// <summary>Most training iterations accepted.</summary>
    public const int MaxIterations = 100_000;

    /// <summary>Smallest and largest training crop side, in pixels.</summary>
    public const int MinImageSize = 64, MaxImageSize = 1024;

    /// <summary>Largest batch accepted.</summary>
    public const int MaxBatchSize = 16;

    // Iterations whose mean total loss is the result's FinalLoss.
    private const int FinalWindow = 10;

    // Peak-memory model of a training step (see EstimatedBytes).
    private const long FixedBytes = 128L << 20;
    private const double NetworkBytesPerPixel = 1800;
    private const double UnknownFeatureBytesPerPixel = 6000;
    private static readonly Dictionary<string, double> FeatureBytesPerPixel = new(StringComparer.Ordinal)
    {
        ["vgg19"] = 4800,
        ["resnet18-onnx"] = 1900,
    };

    public StyleTransferEngine Engine { get; } = engine;

    /// <summary>The style layers a training with <paramref name="options"/> needs targets for.</summary>
    public IReadOnlyList<string> StyleLayers(FeedForwardTrainingOptions options) => [.. Engine.Preset(options.Preset).StyleLayers.Select(l => l.Layer)];

    /// <summary>Checks the options against the engine's ranges; <see cref="InvalidStyleOptionException"/> names the field.</summary>
    public void Validate(FeedForwardTrainingOptions options)
    {
        Require(options.Iterations is >= 1 and <= MaxIterations, "Iterations", $"must be between 1 and {MaxIterations}");
        Require(options.ImageSize is >= MinImageSize and <= MaxImageSize, "ImageSize", $"must be between {MinImageSize} and {MaxImageSize} pixels");
        Require(options.BatchSize is >= 1 and <= MaxBatchSize, "BatchSize", $"must be between 1 and {MaxBatchSize}");
        Require(double.IsFinite(options.ContentWeight) && options.ContentWeight >= 0, "ContentWeight", "must be a finite number ≥ 0");
        Require(options.StyleWeight is null || (double.IsFinite(options.StyleWeight.Value) && options.StyleWeight >= 0), "StyleWeight", "must be a finite number ≥ 0");
        Require(options.TotalVariationWeight is null || (double.IsFinite(options.TotalVariationWeight.Value) && options.TotalVariationWeight >= 0),
            "TotalVariationWeight", "must be a finite number ≥ 0");
        Require(double.IsFinite(options.LearningRate) && options.LearningRate > 0, "LearningRate", "must be a finite number > 0");
        Require(double.IsFinite(options.AutoStyleWeightFactor) && options.AutoStyleWeightFactor > 0, "AutoStyleWeightFactor", "must be a finite number > 0");
        Require(double.IsFinite(options.StabilityWeight) && options.StabilityWeight >= 0, "StabilityWeight", "must be a finite number ≥ 0");
        Require(options.StabilityShift is >= 0 and <= 16, "StabilityShift", "must be between 0 and 16 pixels");
        Require(double.IsFinite(options.StabilityNoise) && options.StabilityNoise is >= 0 and <= 1, "StabilityNoise", "must be between 0 and 1");
        Require(options.StabilityWeight == 0 || StabilityLoss.Passes(options.StabilityShift, options.StabilityNoise) > 0, "StabilityWeight",
            "needs a StabilityShift or a StabilityNoise above 0");
        Require(options.Architecture is null || options.Architecture.IsValid(), "Architecture", "widths must be 1–256 channels and 0–16 residual blocks");
        Engine.Preset(options.Preset);
    }

    /// <summary>Estimated peak memory of a training step, in bytes (for the host's memory budget).</summary>
    /// <remarks>
    /// A fixed cost of 128 MiB (it covers the decoded-photo cache of a few dozen photos; the cache is bounded by
    /// <see cref="TrainingSampler.CacheBytes"/>), plus per crop pixel of the batch the transformation network's activations
    /// kept for the backward pass (1,800 bytes at 16/32/64 with 5 blocks, scaled with the widths) and the loss network's
    /// forward and backward (the engine's per-pixel figures of <see cref="MemoryModel"/>: ResNet18 1,900, VGG19 4,800), plus
    /// the weights with Adam's moments; the stability loss adds the network's share once per enabled term (not measured). Calibration (<c>bench --only feedforward-steps</c>, 2026-11-29): with the default
    /// options on the offline ResNet18 a training raised the process's peak RSS by 875 MiB (576 → 1,451 MiB); this estimates
    /// 996 MiB.
    /// </remarks>
    public long EstimatedBytes(FeedForwardTrainingOptions options)
    {
        var architecture = options.Architecture ?? FeedForwardArchitecture.Default;
        var widthScale = (architecture.Channels1 + architecture.Channels2 / 4.0 + architecture.Channels3 * (1 + architecture.ResidualBlocks) / 16.0)
            / (16 + 32 / 4.0 + 64 * 6 / 16.0);
        var pixels = (double)options.BatchSize * options.ImageSize * options.ImageSize;
        var features = FeatureBytesPerPixel.GetValueOrDefault(Engine.Network.Info.Name, UnknownFeatureBytesPerPixel);
        var parameters = 9.0 * 9 * 3 * architecture.Channels1 * 2 + 9.0 * (architecture.Channels1 * architecture.Channels2 * 2
            + architecture.Channels2 * architecture.Channels3 * 2 + architecture.Channels3 * architecture.Channels3 * 2 * architecture.ResidualBlocks);
        // The stability loss runs the network once more per enabled term, keeping those activations for the backward pass too.
        var passes = 1 + (options.StabilityWeight > 0 ? StabilityLoss.Passes(options.StabilityShift, options.StabilityNoise) : 0);
        return FixedBytes + (long)(pixels * (NetworkBytesPerPixel * widthScale * passes + features) + parameters * 4 * 4);
    }

    /// <summary>Trains on the calling thread; cancelling stops it within one iteration (<see cref="OperationCanceledException"/>).</summary>
    /// <exception cref="InvalidStyleOptionException">An option is out of range; the style's targets or the checkpoint do not fit (fields <c>Style</c>, <c>StyleLayers</c>, <c>Checkpoint</c>); there are no photos (<c>Photos</c>).</exception>
    /// <exception cref="StyleTransferException">No photo can be read, or the loss stopped being finite.</exception>
    public FeedForwardTrainingResult Train(TrainingPhotos photos, StyleTargets style, FeedForwardTrainingOptions options,
        Action<FeedForwardTrainingProgress>? onProgress, FeedForwardCheckpointing? checkpointing, CancellationToken cancellationToken)
    {
        Validate(options);
        var network = Engine.Network;
        Require(photos.Count > 0, "Photos", "the training photo folder holds no JPEG, PNG or WebP files");
        Require(style.NetworkFingerprint == network.Info.Fingerprint, "Style",
            $"targets were computed on {style.NetworkFingerprint}, this engine runs {network.Info.Fingerprint}");
        var plan = LayerPlan.Resolve(network, options.Preset, null, null);
        var missing = plan.Style.Select(l => l.Layer).Where(l => style.Find(l) is null).ToList();
        Require(missing.Count == 0, "StyleLayers", $"the style targets have no statistics for {string.Join(", ", missing)}");
        var architecture = options.Architecture ?? FeedForwardArchitecture.Default;
        var resume = checkpointing?.ResumeFrom;
        if (resume is not null)
        {
            CheckResume(resume, options, architecture, network.Info.Fingerprint);
        }
        cancellationToken.ThrowIfCancellationRequested();
        TorchRuntime.EnsureLoaded();

        var clock = Stopwatch.StartNew();
        var before = resume?.Elapsed ?? TimeSpan.Zero;
        using var runScope = NewDisposeScope();
        using var styleNetwork = new StyleNetwork(architecture);
        StyleNetworkInitialisation.Apply(styleNetwork, options.Seed);
        styleNetwork.to(network.Device);
        styleNetwork.train();
        using var adam = optim.Adam(styleNetwork.parameters(), lr: options.LearningRate);
        if (resume is not null)
        {
            Import(styleNetwork, adam, resume);
        }
        var sampler = new TrainingSampler(photos, options.ImageSize, resume?.SamplerState ?? TrainingSampler.InitialState(options.Seed));
        var loss = new PerceptualLoss(network, plan, style);
        var styleWeight = options.StyleWeight ?? plan.Preset.StyleWeight ?? resume?.StyleWeight;
        var tvWeight = options.TotalVariationWeight ?? plan.Preset.TotalVariationWeight;
        var totals = new List<double>(resume?.RecentTotals ?? []);
        var start = resume?.Iteration ?? 0;
        var isDue = checkpointing?.OnCheckpoint is null ? null : checkpointing.IsDue;
        for (var iteration = start + 1; iteration <= options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double content, styleLoss, tv, total, stability = 0;
            using (NewDisposeScope())
            {
                var batch = sampler.Next(options.BatchSize, network.Device);
                var output = styleNetwork.call(batch);
                // With ShiftedLoss the loss network sees output and photos moved alike by this iteration's offset (from the
                // seed and the iteration: a resumed training draws the same); the total variation is the output's own.
                var (seen, seenOutput) = (batch, output);
                if (options.ShiftedLoss)
                {
                    var draw = new SplitMix64((ulong)options.Seed ^ ((ulong)iteration * 0x9E3779B97F4A7C15UL) ^ 0x5DEECE66DUL);
                    var (dx, dy) = (LossShift.Range * draw.NextDouble(), LossShift.Range * draw.NextDouble());
                    (seen, seenOutput) = (LossShift.Apply(batch, dx, dy), LossShift.Apply(output, dx, dy));
                }
                var targets = loss.ContentFeatures(seen, allLayers: styleWeight is null);
                styleWeight ??= loss.AutomaticStyleWeight(targets, options.AutoStyleWeightFactor);
                var terms = loss.Evaluate(seenOutput, targets, tvWeight > 0, output);
                using var contentWeight = options.ContentWeight.ToScalar();
                using var weightOfStyle = styleWeight.Value.ToScalar();
                using var weightOfTv = tvWeight.ToScalar();
                var weighted = (terms.Content * contentWeight).Plus(terms.Style * weightOfStyle).Plus(terms.TotalVariation * weightOfTv);
                Tensor? stable = null;
                if (options.StabilityWeight > 0)
                {
                    // Its own noise per iteration, from the seed and the iteration: a resumed training draws the same.
                    using var generator = new Generator(new SplitMix64((ulong)options.Seed ^ ((ulong)iteration * 0xD1B54A32D192ED03UL)).Next(), network.Device);
                    stable = StabilityLoss.Evaluate(styleNetwork.call, batch, output, options.StabilityShift, options.StabilityNoise, generator);
                    using var weightOfStability = options.StabilityWeight.ToScalar();
                    weighted = weighted.Plus(stable * weightOfStability);
                }
                adam.zero_grad();
                weighted.backward();
                adam.step();
                (content, styleLoss, tv, total) = (terms.Content.item<float>(), terms.Style.item<float>(), terms.TotalVariation.item<float>(),
                    weighted.item<float>());
                stability = stable?.item<float>() ?? 0;
            }
            if (!double.IsFinite(total))
            {
                throw new StyleTransferException($"the training loss became {total} at iteration {iteration}; lower the learning rate or the weights");
            }
            totals.Add(total);
            if (totals.Count > FinalWindow)
            {
                totals.RemoveAt(0);
            }
            var elapsed = before + clock.Elapsed;
            var perIteration = clock.Elapsed / (iteration - start);
            var progress = new FeedForwardTrainingProgress(iteration, options.Iterations, content, styleLoss, tv, total, elapsed,
                perIteration * (options.Iterations - iteration)) { StabilityLoss = stability };
            onProgress?.Invoke(progress);
            if (isDue is not null && iteration < options.Iterations && isDue(progress))
            {
                checkpointing!.OnCheckpoint!(Export(styleNetwork, adam, sampler, options, architecture, network.Info.Fingerprint, iteration, elapsed,
                    styleWeight.Value, totals, resume));
            }
        }
        var weights = StyleNetworkWeights.Write(styleNetwork, network.Info.Fingerprint);
        return new FeedForwardTrainingResult(weights, options.Iterations, totals.Count > 0 ? totals.Average() : double.NaN, before + clock.Elapsed)
        {
            ResumedFromIteration = start,
            StyleWeight = styleWeight ?? double.NaN,
        };
    }

    /// <summary>As <see cref="Train"/>, on one of the engine's worker threads (callbacks run there and must not block).</summary>
    public Task<FeedForwardTrainingResult> TrainOnWorkerAsync(TrainingPhotos photos, StyleTargets style, FeedForwardTrainingOptions options,
        Action<FeedForwardTrainingProgress>? onProgress, FeedForwardCheckpointing? checkpointing, CancellationToken cancellationToken) =>
        EngineWorkers.Run(() => Train(photos, style, options, onProgress, checkpointing, cancellationToken));

    private static void CheckResume(FeedForwardCheckpoint resume, FeedForwardTrainingOptions options, FeedForwardArchitecture architecture, string fingerprint)
    {
        void Check(bool condition, string message) => Require(condition, "Checkpoint", message);
        Check(resume.NetworkFingerprint == fingerprint, $"was written on {resume.NetworkFingerprint}, this engine runs {fingerprint}");
        Check(resume.Architecture == architecture, $"holds a network of widths {resume.Architecture}, the options ask for {architecture}");
        Check(resume.TotalIterations == options.Iterations && resume.ImageSize == options.ImageSize && resume.BatchSize == options.BatchSize
            && resume.Seed == options.Seed,
            $"was written by a training of {resume.TotalIterations} iterations, {resume.ImageSize} px, batch {resume.BatchSize}, seed {resume.Seed}; " +
            $"this one has {options.Iterations}, {options.ImageSize} px, batch {options.BatchSize}, seed {options.Seed}");
        Check(resume.Iteration < options.Iterations, $"iteration {resume.Iteration} is not before the last ({options.Iterations})");
    }

    private static FeedForwardCheckpoint Export(StyleNetwork styleNetwork, Adam adam, TrainingSampler sampler, FeedForwardTrainingOptions options,
        FeedForwardArchitecture architecture, string fingerprint, int iteration, TimeSpan elapsed, double styleWeight, List<double> totals,
        FeedForwardCheckpoint? resume)
    {
        using var scope = NewDisposeScope();
        var states = adam.state_dict().State.Cast<Adam.State>().ToList();
        var parameters = styleNetwork.named_parameters().Select((p, i) => (p.name, StyleNetworkWeights.Values(p.parameter),
            StyleNetworkWeights.Values(states[i].exp_avg), StyleNetworkWeights.Values(states[i].exp_avg_sq))).ToList();
        return new FeedForwardCheckpoint
        {
            NetworkFingerprint = fingerprint,
            Architecture = architecture,
            TotalIterations = options.Iterations,
            ImageSize = options.ImageSize,
            BatchSize = options.BatchSize,
            Seed = options.Seed,
            Iteration = iteration,
            Elapsed = elapsed,
            StyleWeight = styleWeight,
            Resumes = resume is null ? 0 : resume.Resumes + 1,
            SamplerState = sampler.State,
            OptimizerStep = states.Count > 0 ? states[0].step : 0,
            Parameters = parameters,
            RecentTotals = [.. totals],
        };
    }

    private static void Import(StyleNetwork styleNetwork, Adam adam, FeedForwardCheckpoint resume)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var named = styleNetwork.named_parameters().ToList();
        var states = adam.state_dict().State.Cast<Adam.State>().ToList();
        Require(named.Count == resume.Parameters.Count && states.Count == named.Count, "Checkpoint",
            $"holds {resume.Parameters.Count} parameters, the network has {named.Count}");
        for (var i = 0; i < named.Count; i++)
        {
            var (name, parameter) = named[i];
            var stored = resume.Parameters[i];
            Require(stored.Name == name && stored.Values.Length == parameter.numel(), "Checkpoint", $"parameter {i} is '{stored.Name}', the network's is '{name}'");
            parameter.copy_(tensor(stored.Values, parameter.shape, device: parameter.device));
            states[i].exp_avg.copy_(tensor(stored.Average, parameter.shape, device: parameter.device));
            states[i].exp_avg_sq.copy_(tensor(stored.SquareAverage, parameter.shape, device: parameter.device));
            states[i].step = resume.OptimizerStep;
        }
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new InvalidStyleOptionException(field, message);
        }
    }
}
