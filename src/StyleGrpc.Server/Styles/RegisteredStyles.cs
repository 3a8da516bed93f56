using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// Registered styles mixed with weights; a single registered style is a blend of one. Their stored targets serve (computed
/// and stored for layers they lack), except under colour control that depends on the photo (luminance-only, histogram
/// matching): then targets are computed per job from the stored image transformed against the photo, since they change
/// with every photo's colour statistics and a cache keyed on them would almost never hit.
/// </summary>
/// <param name="Components">The styles and their weights.</param>
public sealed record RegisteredStyles(IReadOnlyList<(string Id, double Weight)> Components) : StyleSource
{
    /// <summary>True when this is the request's own blend whose components have their own style layers (the plan's <see cref="RunPlan.BlendShares"/>).</summary>
    public bool ScaleControlled { get; init; }

    public override string Describe() => Components.Count == 1
        ? Components[0].Id
        : string.Join("+", Components.Select(c => $"{c.Id}*{c.Weight:G3}"));

    public override string RecordName() => Components.Count == 1
        ? StyleId.ToName(Components[0].Id)
        : "blend:" + string.Join("+", Components.Select(c => $"{c.Id}*{c.Weight:G3}"));

    public override IReadOnlyList<string> RegisteredIds => [.. Components.Select(c => c.Id)];

    public override async Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan,
        RgbImage photo, CancellationToken cancellationToken)
    {
        var perComponent = new List<IReadOnlyList<StyleTargets>>();
        foreach (var (id, _) in Components)
        {
            perComponent.Add(ColourTransfer.TargetsDependOnPhoto(ColourTransfer.Effective(plan.Options))
                ? await PerJobAsync(registry, engine, plan, id, photo, cancellationToken).ConfigureAwait(false)
                : await StoredAsync(registry, engine, plan, id, cancellationToken).ConfigureAwait(false));
        }
        var levels = new List<StyleTargets>();
        for (var level = 0; level < plan.Levels.Count; level++)
        {
            var parts = Components.Select((c, i) => (perComponent[i][level], c.Weight)).ToList();
            levels.Add(ScaleControlled ? ScaleControl.Blend(parts, plan) : StyleTargets.Blend(parts));
        }
        return levels;
    }

    private static async Task<IReadOnlyList<StyleTargets>> StoredAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan, string id,
        CancellationToken cancellationToken)
    {
        var levels = new List<StyleTargets>();
        for (var level = 0; level < plan.Levels.Count; level++)
        {
            levels.Add(await registry.GetTargetsAsync(id, engine, plan, level, cancellationToken).ConfigureAwait(false));
        }
        return levels;
    }

    private static async Task<IReadOnlyList<StyleTargets>> PerJobAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan, string id,
        RgbImage photo, CancellationToken cancellationToken)
    {
        var record = await registry.GetAsync(id, cancellationToken).ConfigureAwait(false);
        var image = await registry.GetImageAsync(id, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => engine.ComputeLevelTargets(StyleImages.Decode(image, record.StyleSize), record.StyleSize, plan, photo),
            cancellationToken).ConfigureAwait(false);
    }
}
