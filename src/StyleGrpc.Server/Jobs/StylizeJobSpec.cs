using System.Text.Json.Serialization;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// A validated Stylize request in engine terms, as it waits in the queue: the content image still encoded (its header
/// checked), where the style comes from, and the job's one <see cref="RunPlan"/>.
/// </summary>
/// <param name="Content">The encoded content image (the request's own bytes, not a copy).</param>
/// <param name="ContentHeader">What the content image's header says (size as displayed, format).</param>
/// <param name="Style">Where the style comes from.</param>
/// <param name="Plan">The run's plan, made once when the request was checked.</param>
/// <param name="OutputFormat">Encoding of the result and previews.</param>
/// <param name="Quality">JPEG/WebP quality.</param>
/// <param name="Method">Optimisation, or one pass of the style's feed-forward network (the plan's estimate is then the network's).</param>
/// <param name="Regions">Regions painted with other styles, in the request's order (the plan's <see cref="StyleTransferOptions.Regions"/>); null = none.</param>
public sealed record StylizeJobSpec(
    ReadOnlyMemory<byte> Content,
    ImageHeader ContentHeader,
    StyleSource Style,
    RunPlan Plan,
    ImageFormat OutputFormat,
    int Quality,
    StylizeMethod Method = StylizeMethod.Optimization,
    IReadOnlyList<RegionSpec>? Regions = null) : JobSpec
{
    [JsonIgnore]
    public override JobKind Kind => JobKind.Stylize;

    [JsonIgnore]
    public override string Network => Plan.NetworkFingerprint;

    [JsonIgnore]
    public override long EstimatedBytes => Plan.EstimatedBytes;

    /// <summary>The plan's iterations; none for a feed-forward pass.</summary>
    [JsonIgnore]
    public override int TotalIterations => Method == StylizeMethod.FeedForward ? 0 : Plan.TotalIterations;

    /// <summary>True when the run needs the style's feed-forward network (the method, or its output as the start).</summary>
    [JsonIgnore]
    public bool UsesFeedForward => Method == StylizeMethod.FeedForward || Plan.Options.Init == InitKind.FeedForward;

    [JsonIgnore]
    public override (ImageFormat Format, int Quality)? FrameImages => (OutputFormat, Quality);

    public override string Describe() => Style.Describe();
}
