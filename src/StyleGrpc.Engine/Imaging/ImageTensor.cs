using static TorchSharp.torch;

namespace StyleGrpc.Engine.Imaging;

/// <summary>Conversions between <see cref="RgbImage"/> and 1×3×H×W float tensors with values in [0, 1].</summary>
public static class ImageTensor
{
    // BT.601 RGB → YUV, used to keep the content's colours (luminance from the result, chroma from the content).
    private static readonly float[] RgbToYuv = [0.299f, 0.587f, 0.114f, -0.14713f, -0.28886f, 0.436f, 0.615f, -0.51499f, -0.10001f];

    /// <summary>RGB bytes / 255 as a 1×3×H×W float32 tensor on <paramref name="device"/>.</summary>
    public static Tensor ToTensor(RgbImage image, Device device)
    {
        using var bytes = tensor(image.Pixels, [image.Height, image.Width, 3], ScalarType.Byte);
        return bytes.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32, device).div_(Scalars.ByteMax);
    }

    /// <summary>Clamps to [0, 1], scales to 0–255 and rounds; the tensor must be 1×3×H×W.</summary>
    public static RgbImage ToImage(Tensor image)
    {
        using var scope = NewDisposeScope();
        var bytes = image.detach().clamp(Scalars.Zero, Scalars.One).mul(Scalars.ByteMax).round().to(ScalarType.Byte, CPU).squeeze(0).permute(1, 2, 0).contiguous();
        return new RgbImage((int)image.shape[3], (int)image.shape[2], bytes.data<byte>().ToArray());
    }

    /// <summary>
    /// The luminance of <paramref name="stylised"/> with the chroma of <paramref name="content"/> (YUV),
    /// as neural-style's <c>-original_colors 1</c>. Both are 1×3×H×W of the same size.
    /// </summary>
    public static Tensor KeepOriginalColours(Tensor stylised, Tensor content)
    {
        using var scope = NewDisposeScope();
        var toYuv = tensor(RgbToYuv, [3, 3], device: stylised.device);
        var toRgb = toYuv.inverse();
        var yuvStylised = einsum("ij,bjhw->bihw", toYuv, stylised);
        var yuvContent = einsum("ij,bjhw->bihw", toYuv, content);
        var mixed = cat([yuvStylised[.., 0..1], yuvContent[.., 1..3]], 1);
        return einsum("ij,bjhw->bihw", toRgb, mixed).clamp_(Scalars.Zero, Scalars.One).MoveToOuterDisposeScope();
    }
}
