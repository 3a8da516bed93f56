using TorchSharp;

namespace StyleGrpc.Engine.Networks;

/// <summary>
/// A frozen, pretrained CNN that maps an RGB image to named feature maps. The rest of the engine
/// knows networks only through this interface: layer names, presets and <see cref="Extract"/>.
/// </summary>
public interface IFeatureNetwork : IDisposable
{
    /// <summary>Which network this is and which weights it runs.</summary>
    NetworkInfo Info { get; }

    /// <summary>Every layer name <see cref="Extract"/> accepts, shallowest first.</summary>
    IReadOnlyList<string> LayerNames { get; }

    /// <summary>Named layer presets; the first one is the default.</summary>
    IReadOnlyList<LayerPreset> Presets { get; }

    /// <summary>Image sides are rounded to a multiple of this (1 = any size).</summary>
    int SizeMultiple { get; }

    /// <summary>Device the weights live on.</summary>
    torch.Device Device { get; }

    /// <summary>
    /// Runs the network on <paramref name="image"/> (N×3×H×W, RGB in [0, 1], on <see cref="Device"/>)
    /// up to the deepest requested layer and returns the requested feature maps. The network's own
    /// input normalisation is applied here.
    /// </summary>
    IReadOnlyDictionary<string, torch.Tensor> Extract(torch.Tensor image, IReadOnlyCollection<string> layers);
}
