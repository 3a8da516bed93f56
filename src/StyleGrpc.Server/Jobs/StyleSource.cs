using StyleGrpc.Engine;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>Where a job's style comes from: registered styles (one, or a weighted blend) or an inline image.</summary>
public abstract record StyleSource
{
    /// <summary>Short description for logs.</summary>
    public abstract string Describe();

    /// <summary>The registered styles it uses (none for an inline image).</summary>
    public abstract IReadOnlyList<string> RegisteredIds { get; }

    /// <summary>The style targets for this job: one set per scale level (<see cref="ScaleSchedule.Plan"/>), coarsest first.</summary>
    public abstract Task<IReadOnlyList<StyleTargets>> ResolveAsync(StyleRegistry registry, StyleTransferEngine engine, StyleTransferOptions options,
        CancellationToken cancellationToken);
}
