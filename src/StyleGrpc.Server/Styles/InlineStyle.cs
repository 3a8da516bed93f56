using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Errors;

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
    /// <summary>The request field that carried the image (<c>style_image</c>, or a region's), named when it does not decode.</summary>
    public string Field { get; init; } = "style_image";

    public override string Describe() => $"inline {Header.Width}x{Header.Height}";

    public override IReadOnlyList<string> RegisteredIds => [];

    /// <summary>The style's longer side at the output size, in pixels.</summary>
    public int StyleSide(RunPlan plan) => Math.Clamp((int)Math.Round(plan.Options.MaxSide * Scale), 16, StyleTransferEngine.MaxSideLimit);

    public override string RecordName() => $"inline:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Image.Span))[..12]}";

    public override Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan,
        RgbImage photo, CancellationToken cancellationToken) =>
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
                throw new RequestFieldException(Field, ex.Message);
            }
            return engine.ComputeLevelTargets(decoded, side, plan, photo);
        }, cancellationToken);
}
