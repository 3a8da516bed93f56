using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>Where a job's style comes from: registered styles (one, or a weighted blend) or an inline image.</summary>
public abstract record StyleSource
{
    /// <summary>Short description for logs.</summary>
    public abstract string Describe();

    /// <summary>The style targets for this job.</summary>
    public abstract Task<StyleTargets> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, string? preset, int outputMaxSide,
        CancellationToken cancellationToken);
}

/// <summary>Registered styles mixed with weights; a single registered style is a blend of one.</summary>
public sealed record RegisteredStyles(IReadOnlyList<(string Id, double Weight)> Components) : StyleSource
{
    public override string Describe() => Components.Count == 1
        ? Components[0].Id
        : string.Join("+", Components.Select(c => $"{c.Id}*{c.Weight:G3}"));

    public override async Task<StyleTargets> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, string? preset, int outputMaxSide,
        CancellationToken cancellationToken)
    {
        var parts = new List<(StyleTargets, double)>();
        foreach (var (id, weight) in Components)
        {
            parts.Add((await registry.GetTargetsAsync(id, engine, preset, cancellationToken).ConfigureAwait(false), weight));
        }
        return StyleTargets.Blend(parts);
    }
}

/// <summary>A style image sent with the request; its targets are computed for this job only.</summary>
/// <param name="Image">The decoded style image.</param>
/// <param name="Scale">Style size relative to the output's longer side.</param>
public sealed record InlineStyle(RgbImage Image, double Scale) : StyleSource
{
    public override string Describe() => $"inline {Image.Width}x{Image.Height}";

    public override Task<StyleTargets> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, string? preset, int outputMaxSide,
        CancellationToken cancellationToken)
    {
        var size = Math.Clamp((int)Math.Round(outputMaxSide * Scale), 16, 8192);
        return Task.Run(() => engine.ComputeStyleTargets(Image, new StyleTargetOptions { MaxSide = size, Preset = preset }), cancellationToken);
    }
}
