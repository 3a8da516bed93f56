using StyleGrpc.Engine;

namespace StyleGrpc.Server.Styles;

/// <summary>Registered styles mixed with weights; a single registered style is a blend of one.</summary>
public sealed record RegisteredStyles(IReadOnlyList<(string Id, double Weight)> Components) : StyleSource
{
    public override string Describe() => Components.Count == 1
        ? Components[0].Id
        : string.Join("+", Components.Select(c => $"{c.Id}*{c.Weight:G3}"));

    public override IReadOnlyList<string> RegisteredIds => [.. Components.Select(c => c.Id)];

    public override async Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan,
        CancellationToken cancellationToken)
    {
        var levels = new List<StyleTargets>();
        for (var level = 0; level < plan.Levels.Count; level++)
        {
            var parts = new List<(StyleTargets, double)>();
            foreach (var (id, weight) in Components)
            {
                parts.Add((await registry.GetTargetsAsync(id, engine, plan, level, cancellationToken).ConfigureAwait(false), weight));
            }
            levels.Add(StyleTargets.Blend(parts));
        }
        return levels;
    }
}
