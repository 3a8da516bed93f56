using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>A style image sent with the request; its targets are computed for this job only.</summary>
/// <param name="Image">The decoded style image.</param>
/// <param name="Scale">Style size relative to the output's longer side.</param>
public sealed record InlineStyle(RgbImage Image, double Scale) : StyleSource
{
    public override string Describe() => $"inline {Image.Width}x{Image.Height}";

    public override IReadOnlyList<string> RegisteredIds => [];

    public override Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, StyleTransferOptions options,
        CancellationToken cancellationToken)
    {
        var size = Math.Clamp((int)Math.Round(options.MaxSide * Scale), 16, 8192);
        var targetOptions = new StyleTargetOptions { MaxSide = size, Preset = options.Preset, ContentLayers = options.ContentLayers, StyleLayers = options.StyleLayers };
        return Task.Run(() => engine.ComputeLevelTargets(Image, targetOptions, options), cancellationToken);
    }
}
