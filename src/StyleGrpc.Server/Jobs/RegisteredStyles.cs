using StyleGrpc.Engine;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>Registered styles mixed with weights; a single registered style is a blend of one.</summary>
public sealed record RegisteredStyles(IReadOnlyList<(string Id, double Weight)> Components) : StyleSource
{
    public override string Describe() => Components.Count == 1
        ? Components[0].Id
        : string.Join("+", Components.Select(c => $"{c.Id}*{c.Weight:G3}"));

    public override IReadOnlyList<string> RegisteredIds => [.. Components.Select(c => c.Id)];

    public override async Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, StyleTransferOptions options,
        CancellationToken cancellationToken)
    {
        var levels = new List<StyleTargets>();
        foreach (var level in ScaleSchedule.Plan(options))
        {
            // A style keeps its registered size at the output size, and shrinks with the content at coarser levels.
            var factor = (double)level.MaxSide / options.MaxSide;
            var parts = new List<(StyleTargets, double)>();
            foreach (var (id, weight) in Components)
            {
                parts.Add((await registry.GetTargetsAsync(id, engine, options.Preset, options.ContentLayers, options.StyleLayers, cancellationToken, factor)
                    .ConfigureAwait(false), weight));
            }
            levels.Add(StyleTargets.Blend(parts));
        }
        return levels;
    }
}
