using System.Text.Json.Serialization;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Styles;

/// <summary>Where a job's style comes from: registered styles (one, or a weighted blend) or an inline image.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(RegisteredStyles), "registered")]
[JsonDerivedType(typeof(InlineStyle), "inline")]
public abstract record StyleSource
{
    /// <summary>Short description for logs.</summary>
    public abstract string Describe();

    /// <summary>The registered styles it uses (none for an inline image).</summary>
    [JsonIgnore]
    public abstract IReadOnlyList<string> RegisteredIds { get; }

    /// <summary>
    /// The style targets for <paramref name="plan"/>: one set per scale level, coarsest first, at the plan's style sides;
    /// under colour control that depends on the photo (luminance-only, histogram matching), made against <paramref name="photo"/>.
    /// </summary>
    public abstract Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, RunPlan plan,
        RgbImage photo, CancellationToken cancellationToken);

    /// <summary>The style as the reproducibility record names it: <c>styles/{id}</c>, <c>inline:{sha256-prefix}</c> or <c>blend:{id}*{weight}+…</c>.</summary>
    public abstract string RecordName();
}
