using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// The one way a style image is decoded for its targets, registered or inline: scaled down by the codec on the way in to
/// no less than the side its targets use at the output size (coarser levels shrink it further), so the same image gives
/// the same pixels, and so the same targets, whichever way it came.
/// </summary>
public static class StyleImages
{
    /// <summary>Decodes <paramref name="image"/> (its header already checked) for targets at <paramref name="styleSide"/> and below.</summary>
    /// <exception cref="ImageDecodeException">The data behind a sound header is truncated or corrupt.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> image, int styleSide) => ImageCodec.Decode(image, long.MaxValue, styleSide);
}
