namespace StyleGrpc.Engine.Imaging;

/// <summary>Output encodings.</summary>
public enum ImageFormat
{
    Png,
    Jpeg,
    Webp,
}
