namespace StyleGrpc.Engine.Control;

/// <summary>A region as a run used it, for the reproducibility record.</summary>
/// <param name="MaskSha256">The host's hash of the mask as sent.</param>
/// <param name="Style">What the host calls the region's style.</param>
/// <param name="Weight">The weight of its style loss.</param>
/// <param name="Area">The share of the output the mask covers (mean of its weights at the output size, before overlaps are normalised).</param>
public sealed record RegionRecord(string MaskSha256, string Style, double Weight, double Area);
