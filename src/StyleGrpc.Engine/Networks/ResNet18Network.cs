using StyleGrpc.Engine.Networks.Onnx;
using StyleGrpc.Engine.Networks.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace StyleGrpc.Engine.Networks;

/// <summary>
/// The offline default network: the ImageNet-trained ResNet18 that NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 ships as ONNX (CNTK export; [2,2,2,3] basic blocks,
/// BatchNorm separate). Layers: <c>relu1</c> (stem), <c>pool1</c>, <c>layer1</c>…<c>layer4</c> (stage outputs).
/// Input: RGB 0–255 reordered to BGR minus the per-channel mean, no std — the preprocessing under which
/// real photos match the stored BatchNorm statistics.
/// </summary>
public sealed class ResNet18Network : Module<Tensor, Tensor>, IFeatureNetwork
{
    /// <summary>Path of the ONNX file next to the application (copied there by the engine's build).</summary>
    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx");

    private static readonly float[] BgrMean = [103.06f, 115.90f, 123.15f];

    private static readonly LayerPreset Default = new(
        "default",
        [new LayerWeight("layer2")],
        [new("relu1"), new("layer1"), new("layer2"), new("layer3")],
        ContentWeight: 1, StyleWeight: null, TotalVariationWeight: 2,
        "ResNet18 offline default: content layer2; style relu1, layer1, layer2, layer3; style weight balanced per job")
    {
        // γ/α on [0, 1] pixels, set by measurement: this network reads Caffe's 0–255 pixels, but its content layer follows
        // batch normalisation, so its content MSE of a stylised image is about 1 where Caffe VGG19's relu4_2 MSE is about
        // 10⁴: Ruder's 200 × 255² held reliable pixels frozen (0.00 grey levels from the warped previous output, 128 px,
        // tubingen × starry_night shifted 3 px, 60 L-BFGS steps from the warped frame). At 200 the weighted temporal loss
        // ends of the order of the content and style terms, as in Ruder's balance, and reliable pixels end 5.8 grey levels
        // from the warped output (18.5 without the term; a fresh run differs by 29.6). docs/engine.md, "Video".
        TemporalWeight = TemporalGuide.RuderRatio,
    };

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly ModuleList<Module<Tensor, Tensor>> blocks;
    private readonly int[] stageEnds;
    private readonly Tensor[] normalisation = new Tensor[1];
    private readonly bool channelsLast = EngineTuning.ChannelsLast;

    private ResNet18Network(OnnxResNetReader.Result parts, NetworkInfo info)
        : base("resnet18")
    {
        Info = info;
        conv1 = parts.StemConv;
        bn1 = parts.StemBn;
        maxpool = MaxPool2d(3, 2, 1);
        blocks = new ModuleList<Module<Tensor, Tensor>>(parts.Stages.SelectMany(s => s).ToArray<Module<Tensor, Tensor>>());
        stageEnds = parts.Stages.Select((s, i) => parts.Stages.Take(i + 1).Sum(x => x.Count) - 1).ToArray();
        RegisterComponents();
        LayerNames = new[] { "relu1", "pool1" }.Concat(Enumerable.Range(1, stageEnds.Length).Select(i => $"layer{i}")).ToList();
        Presets = [Default];
        Device = CPU;
    }

    /// <inheritdoc />
    public NetworkInfo Info { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> LayerNames { get; }

    /// <inheritdoc />
    public IReadOnlyList<LayerPreset> Presets { get; }

    /// <inheritdoc />
    public int SizeMultiple => 16;

    /// <inheritdoc />
    public Device Device { get; private set; }

    /// <summary>Loads the network from the ONNX file (the packaged one by default).</summary>
    public static ResNet18Network Load(string? path = null, Device? device = null, Precision precision = Precision.Float32)
    {
        TorchRuntime.EnsureLoaded();
        path ??= DefaultModelPath;
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"{path}: the offline default model is missing; build the engine so NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 copies it there");
        }
        var sha = WeightsFile.VerifySha256(path, null);
        precision = PrecisionSupport.Resolve(precision, device ?? CPU);
        var info = new NetworkInfo("resnet18-onnx",
            $"ResNet18 (ImageNet, offline default from Microsoft.ML.DnnImageFeaturizer.ResNet18{(precision == Precision.BFloat16 ? ", bfloat16" : "")})",
            Path.GetFullPath(path), sha, IsOfflineDefault: true, precision);
        var network = new ResNet18Network(OnnxResNetReader.Read(path), info);
        try
        {
            ServingPreparation.Prepare(network, precision, network.channelsLast, () => network.MoveTo(device ?? CPU));
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers)
    {
        var wanted = layers.Select(IndexOf).ToHashSet();
        var result = new Dictionary<string, Tensor>();
        if (wanted.Count == 0)
        {
            return result;
        }
        var last = wanted.Max();
        var x = image.mul(Scalars.ByteMax).flip(1).sub_(normalisation[0]);
        var reduced = Info.Precision == Precision.BFloat16;
        if (reduced)
        {
            x = x.to(ScalarType.BFloat16);
        }
        if (channelsLast)
        {
            x = ChannelsLast.From(x);
        }
        x = functional.relu(bn1.call(conv1.call(x)));
        Collect(0, x);
        if (last == 0)
        {
            return result;
        }
        x = maxpool.call(x);
        Collect(1, x);
        var stage = 0;
        for (var i = 0; i < blocks.Count && stage + 2 <= last; i++)
        {
            x = blocks[i].call(x);
            if (i == stageEnds[stage])
            {
                Collect(stage + 2, x);
                stage++;
            }
        }
        return result;

        void Collect(int index, Tensor value)
        {
            if (wanted.Contains(index))
            {
                result[LayerNames[index]] = reduced ? value.to(ScalarType.Float32) : value;
            }
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Extract(input, [LayerNames[^1]])[LayerNames[^1]];

    private int IndexOf(string layer)
    {
        var index = ((List<string>)LayerNames).IndexOf(layer);
        return index >= 0 ? index : throw new InvalidStyleOptionException("Layers", $"'{layer}' is not a ResNet18 layer ({string.Join(", ", LayerNames)})");
    }

    private void MoveTo(Device target)
    {
        if (target.type != DeviceType.CPU)
        {
            this.to(target);
        }
        normalisation[0]?.Dispose();
        normalisation[0] = tensor(BgrMean, [1, 3, 1, 1], device: target).DetachFromDisposeScope();
        Device = target;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            maxpool.Dispose();
            blocks.Dispose();
            normalisation[0]?.Dispose();
        }
        base.Dispose(disposing);
    }
}
