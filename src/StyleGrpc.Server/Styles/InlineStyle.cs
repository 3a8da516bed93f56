using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Services;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// A style image sent with the request: held encoded while the job waits, decoded (scaled down on the way in) and its
/// targets computed for this job only once it runs.
/// </summary>
/// <param name="Image">The encoded style image, its header already checked.</param>
/// <param name="Header">What its header says.</param>
/// <param name="Scale">Style size relative to the output's longer side.</param>
public sealed record InlineStyle(ReadOnlyMemory<byte> Image, ImageHeader Header, double Scale) : StyleSource
{
    public override string Describe() => $"inline {Header.Width}x{Header.Height}";

    public override IReadOnlyList<string> RegisteredIds => [];

    /// <summary>The style's longer side at the output size, in pixels.</summary>
    public int StyleSide(RunPlan plan) => Math.Clamp((int)Math.Round(plan.Options.MaxSide * Scale), 16, StyleTransferEngine.MaxSideLimit);

    public override Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan,
        CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var side = StyleSide(plan);
            RgbImage decoded;
            try
            {
                decoded = StyleImages.Decode(Image.Span, side);
            }
            catch (ImageDecodeException ex)
            {
                throw new RequestFieldException("style_image", ex.Message);
            }
            return engine.ComputeLevelTargets(decoded, side, plan);
        }, cancellationToken);
}
