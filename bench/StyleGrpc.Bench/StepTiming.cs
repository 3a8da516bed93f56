using System.Text.Json;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Bench;

/// <summary>One engine configuration's speed: median ms per step after warm-up, and the job's peak memory.</summary>
internal sealed record StepTiming(string Network, string Preset, string Optimizer, int Width, int Height, double MsPerStep,
    double PeakRssMb, double BaselineRssMb)
{
    /// <summary>Measures in a child process, so peak RSS belongs to this one job.</summary>
    public static StepTiming MeasureInChild(string network, string preset, OptimizerKind optimizer, int size, BenchSettings settings, string vggPath,
        string tuning = "all")
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return ChildRun.Measure<StepTiming>(["--child", network, preset, optimizer.ToString(), size.ToString(invariant),
            settings.TimedSteps.ToString(invariant), settings.WarmupSteps.ToString(invariant), vggPath, settings.ImagesDirectory, tuning]);
    }

    /// <summary>The child's side: <c>--child network preset optimizer size steps warmup vggPath imagesDir tuning</c>.</summary>
    public static int RunChild(string[] args)
    {
        var tuning = args.Length > 9 ? args[9] : "all";
        EngineTuning.KeepFreedMemory = tuning is not ("no-memory" or "none");
        EngineTuning.OneProductGramGradient = tuning is not ("no-gram" or "none");
        EngineTuning.InPlaceRelu = tuning is not ("no-relu" or "none");
        EngineTuning.ChannelsLast = tuning is not ("no-channels-last" or "none");
        EngineTuning.MklAvx512OnNonIntel = tuning is not ("no-mkl-avx512" or "none");
        var (network, preset, optimizer) = (args[1], args[2], Enum.Parse<OptimizerKind>(args[3]));
        var size = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        var steps = int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture);
        var warmup = int.Parse(args[6], System.Globalization.CultureInfo.InvariantCulture);
        var precision = tuning == "bf16" ? Precision.BFloat16 : Precision.Float32;
        using IFeatureNetwork net = network == "vgg19" ? Vgg19Network.Load(args[7], "relu5_1", precision: precision) : ResNet18Network.Load(precision: precision);
        var engine = new StyleTransferEngine(net);
        var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(args[8], "tubingen.jpg")));
        var style = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(args[8], "starry_night.jpg")));
        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = size, Preset = preset });
        var baseline = BenchPaths.RssMb();
        var stamps = new List<TimeSpan>();
        var result = engine.Run(content, targets, new StyleTransferOptions { MaxSide = size, Preset = preset, Optimizer = optimizer, Iterations = warmup + steps },
            p => stamps.Add(p.Elapsed));
        var durations = stamps.Zip(stamps.Skip(1), (a, b) => (b - a).TotalMilliseconds).Skip(warmup - 1).Order().ToList();
        Console.WriteLine(JsonSerializer.Serialize(new StepTiming(net.Info.Name, preset, optimizer.ToString(), result.Image.Width, result.Image.Height,
            durations[durations.Count / 2], BenchPaths.PeakRssMb(), baseline)));
        return 0;
    }
}
