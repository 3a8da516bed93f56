using StyleGrpc.Engine.Networks.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace StyleGrpc.Engine.Networks;

/// <summary>Pooling between VGG blocks. Gatys et al. suggest average pooling for smoother results.</summary>
public enum PoolingKind
{
    Max,
    Average,
}

/// <summary>
/// torchvision's VGG19 <c>features</c> stack, cut after the deepest layer it is asked to provide.
/// Children are named "0".."36" under <c>features</c>, so state-dict keys match torchvision's
/// (<c>features.0.weight</c>…). Parameters are frozen; the module stays in eval mode. With
/// <see cref="EngineTuning.ChannelsLast"/> (the default) the loaded weights are stored channels-last,
/// which TorchSharp's own <c>save</c> format cannot write: keep the file the network was loaded from.
/// </summary>
public sealed class Vgg19Network : Module<Tensor, Tensor>, IFeatureNetwork
{
    private static readonly int[] Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    /// <summary>Layer names at torchvision's positions: conv1_1, relu1_1, conv1_2, …, pool5.</summary>
    public static readonly IReadOnlyList<string> AllLayerNames = BuildLayerNames();

    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    // Ruder et al.'s γ/α = 200 holds between a 0–255 pixel MSE and the relu4_2 MSE of Caffe's VGG19, which reads 0–255
    // pixels. A ReLU network without normalisation layers is (up to its biases) positively homogeneous: scaling its input by
    // k scales its features by k and both MSEs by k². This VGG19 reads [0, 1] pixels divided by σ, so measured in its own
    // input units the same ratio holds: γ/α on [0, 1] pixels = 200 × mean(1/σ²) ≈ 200 × 19.6 ≈ 3.9·10³. (Declared before
    // the presets: static fields initialise in textual order.)
    private static readonly double RuderTemporalWeight = TemporalGuide.RuderRatio * Std.Average(s => 1.0 / ((double)s * s));

    private static readonly LayerPreset Gatys = new(
        "gatys",
        [new LayerWeight("relu4_2")],
        [new("relu1_1"), new("relu2_1"), new("relu3_1"), new("relu4_1"), new("relu5_1")],
        ContentWeight: 1, StyleWeight: 1e6, TotalVariationWeight: 0,
        "Gatys et al. 2016: content relu4_2; style relu1_1, relu2_1, relu3_1, relu4_1, relu5_1")
    {
        TemporalWeight = RuderTemporalWeight,
    };

    // The write-up tapped conv1_1…conv3_1 "before ReLU", but torchvision's ReLUs are in-place, so each
    // tap that a ReLU follows in the cut network was overwritten by it; only conv3_1, where the network
    // was cut, stays pre-ReLU. PyTorch's own losses on tests/data/reference confirm it: this preset
    // reproduces what the write-up computed, not what it said.
    private static readonly LayerPreset Seed = new(
        "seed",
        [new LayerWeight("relu2_2")],
        [new("relu1_1"), new("relu1_2"), new("relu2_1"), new("relu2_2"), new("conv3_1")],
        ContentWeight: 1, StyleWeight: 1e6, TotalVariationWeight: 0,
        "The original write-up (PyTorch tutorial, RMSprop): content conv2_2, style conv1_1…conv3_1 as its in-place ReLUs left them")
    {
        TemporalWeight = RuderTemporalWeight,
    };

#pragma warning disable IDE1006 // The field name is torchvision's state-dict prefix.
    private readonly Sequential features;
#pragma warning restore IDE1006
    // Held in an array so RegisterComponents doesn't turn them into state-dict buffers.
    private readonly Tensor[] normalisation = new Tensor[2];
    private readonly int depth;
    private readonly bool channelsLast = EngineTuning.ChannelsLast;

    private Vgg19Network(int depth, PoolingKind pooling, NetworkInfo info, Device device)
        : base("vgg19")
    {
        this.depth = depth;
        Info = info;
        Device = device;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var inChannels = 3;
        var index = 0;
        foreach (var width in Config)
        {
            if (index >= depth)
            {
                break;
            }
            if (width == 0)
            {
                layers.Add((index++.ToString(), pooling == PoolingKind.Max ? MaxPool2d(2, 2) : AvgPool2d(2, 2)));
                continue;
            }
            layers.Add((index++.ToString(), Conv2d(inChannels, width, 3, padding: 1)));
            if (index < depth)
            {
                layers.Add((index++.ToString(), ReLU()));
            }
            inChannels = width;
        }
        features = Sequential(layers);
        RegisterComponents();
        SetNormalisation(device);
        LayerNames = AllLayerNames.Take(depth).ToList();
        Presets = new[] { Gatys, Seed }.Where(p => p.AllLayers.All(LayerNames.Contains)).ToList();
    }

    /// <inheritdoc />
    public NetworkInfo Info { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> LayerNames { get; }

    /// <inheritdoc />
    public IReadOnlyList<LayerPreset> Presets { get; }

    /// <inheritdoc />
    public int SizeMultiple => 1;

    /// <inheritdoc />
    public Device Device { get; private set; }

    /// <summary>
    /// Loads VGG19 from a weights file (torchvision legacy or zip <c>.pth</c>, <c>.safetensors</c>, or
    /// TorchSharp's format), keeping layers up to <paramref name="deepestLayer"/>. Classifier keys are
    /// ignored; missing or mis-shaped keys fail with <see cref="ModelLoadException"/> naming them.
    /// </summary>
    public static Vgg19Network Load(string path, string deepestLayer = "relu5_4", PoolingKind pooling = PoolingKind.Max,
        Device? device = null, string? expectedSha256 = null, Precision precision = Precision.Float32)
    {
        TorchRuntime.EnsureLoaded();
        var depth = IndexOf(deepestLayer) + 1;
        var sha = WeightsFile.VerifySha256(path, expectedSha256);
        precision = PrecisionSupport.Resolve(precision, device ?? CPU);
        var info = new NetworkInfo("vgg19", $"VGG19 ({Path.GetFileName(path)}{(precision == Precision.BFloat16 ? ", bfloat16" : "")})",
            Path.GetFullPath(path), sha, IsOfflineDefault: false, precision);
        var network = new Vgg19Network(depth, pooling, info, CPU);
        try
        {
            WeightsFile.LoadInto(network, path);
            ServingPreparation.Prepare(network, precision, network.channelsLast, () => network.MoveTo(device ?? CPU));
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Index of a layer name in torchvision's <c>features</c>.</summary>
    public static int IndexOf(string layer)
    {
        var index = ((List<string>)AllLayerNames).IndexOf(layer);
        return index >= 0
            ? index
            : throw new InvalidStyleOptionException("Layers", $"'{layer}' is not a VGG19 layer (conv1_1…conv5_4, relu1_1…relu5_4, pool1…pool5)");
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers)
    {
        var wanted = layers.Select(IndexOf).ToHashSet();
        if (wanted.Count == 0)
        {
            return new Dictionary<string, Tensor>();
        }
        var last = wanted.Max();
        if (last >= depth)
        {
            throw new InvalidStyleOptionException("Layers", $"'{AllLayerNames[last]}' is deeper than the loaded weights reach ({AllLayerNames[depth - 1]})");
        }
        var result = new Dictionary<string, Tensor>();
        var x = (image - normalisation[0]).div_(normalisation[1]);
        var reduced = Info.Precision == Precision.BFloat16;
        if (reduced)
        {
            x = x.to(ScalarType.BFloat16);
        }
        if (channelsLast)
        {
            x = ChannelsLast.From(x);
        }
        var i = 0;
        foreach (var layer in features.children())
        {
            // ReLU in place unless the value it would overwrite was asked for: saves one activation-sized
            // allocation and pass per ReLU (conv backward does not need its output).
            x = layer is ReLU && EngineTuning.InPlaceRelu && !wanted.Contains(i - 1)
                ? nn.functional.relu(x, inplace: true)
                : ((Module<Tensor, Tensor>)layer).call(x);
            if (wanted.Contains(i))
            {
                result[AllLayerNames[i]] = reduced ? x.to(ScalarType.Float32) : x;
            }
            if (i++ == last)
            {
                break;
            }
        }
        return result;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => features.call(input);

    private void MoveTo(Device target)
    {
        if (target.type != DeviceType.CPU)
        {
            this.to(target);
            SetNormalisation(target);
        }
    }

    private void SetNormalisation(Device target)
    {
        foreach (var t in normalisation.Where(t => t is not null))
        {
            t.Dispose();
        }
        normalisation[0] = tensor(Mean, [1, 3, 1, 1], device: target).DetachFromDisposeScope();
        normalisation[1] = tensor(Std, [1, 3, 1, 1], device: target).DetachFromDisposeScope();
        Device = target;
    }

    private static List<string> BuildLayerNames()
    {
        var names = new List<string>();
        int block = 1, conv = 1;
        foreach (var width in Config)
        {
            if (width == 0)
            {
                names.Add($"pool{block}");
                block++;
                conv = 1;
                continue;
            }
            names.Add($"conv{block}_{conv}");
            names.Add($"relu{block}_{conv}");
            conv++;
        }
        return names;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            foreach (var t in normalisation)
            {
                t.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
