namespace StyleGrpc.Engine.Imaging;

/// <summary>The bytes are not an image the codec can decode (unknown format, truncated, corrupt).</summary>
public sealed class ImageDecodeException(string message) : StyleTransferException(message);
