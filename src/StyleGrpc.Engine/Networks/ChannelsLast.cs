using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Networks;

/// <summary>
/// NHWC ("channels last") layout for the networks' weights and activations. TorchSharp 0.107 has no
/// memory-format argument, but libtorch infers the layout from strides: a tensor permuted to NHWC, made
/// contiguous and permuted back keeps its NCHW shape with NHWC strides, and convolutions, ReLU,
/// pooling and BatchNorm then run oneDNN's NHWC kernels without reordering to a blocked layout and back
/// on every call (forward and backward). See docs/performance.md for what it is worth.
/// </summary>
public static class ChannelsLast
{
    /// <summary>A copy of a 4-D NCHW tensor in channels-last layout (same shape, NHWC strides).</summary>
    public static Tensor From(Tensor nchw) => nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <summary>True when a 4-D tensor is stored channels-last (NHWC strides) and not also plain contiguous.</summary>
    public static bool Is(Tensor t) => t.dim() == 4 && t.shape[1] > 1 && t.stride(1) == 1 && !t.is_contiguous();

    /// <summary>Re-stores every 4-D parameter of a frozen module channels-last, in place.</summary>
    public static void ConvertWeights(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var p in module.parameters().Where(p => p.dim() == 4))
        {
            using var copy = From(p);
            p.set_(copy);
        }
    }

    /// <summary>
    /// The feature map of one image (1×C×H×W) as a matrix whose Gram product needs no copy:
    /// C×HW for NCHW storage (<paramref name="channelsByPositions"/> true), HW×C for channels-last.
    /// </summary>
    public static Tensor FeatureMatrix(Tensor features, out bool channelsByPositions)
    {
        var (b, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3]);
        if (b == 1 && Is(features))
        {
            channelsByPositions = false;
            return features.permute(0, 2, 3, 1).reshape(h * w, c);
        }
        channelsByPositions = true;
        return features.reshape(b * c, h * w);
    }
}
