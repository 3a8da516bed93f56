using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Jobs;

/// <summary>A validated Stylize request in engine terms.</summary>
/// <param name="Content">The decoded content image.</param>
/// <param name="Style">Where the style comes from.</param>
/// <param name="Options">Engine options.</param>
/// <param name="OutputFormat">Encoding of the result and previews.</param>
/// <param name="Quality">JPEG/WebP quality.</param>
/// <param name="Width">Output width, in pixels.</param>
/// <param name="Height">Output height, in pixels.</param>
public sealed record StylizeJobSpec(
    RgbImage Content,
    StyleSource Style,
    StyleTransferOptions Options,
    ImageFormat OutputFormat,
    int Quality,
    int Width,
    int Height);
