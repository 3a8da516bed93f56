using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>A region of a queued job: its mask still encoded (its header checked), where its style comes from, and its weight.</summary>
/// <param name="Mask">The encoded mask image (the request's own bytes).</param>
/// <param name="Style">Where the region's style comes from (as the request's own: registered, inline or a blend).</param>
/// <param name="Weight">The weight of its style loss (the request's 0 already made 1).</param>
public sealed record RegionSpec(ReadOnlyMemory<byte> Mask, StyleSource Style, double Weight);
