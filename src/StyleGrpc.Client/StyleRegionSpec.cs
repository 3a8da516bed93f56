namespace StyleGrpc.Client;

/// <summary>
/// A part of the picture painted with its own style (spatial control): a mask image (any size of the photo's aspect
/// within 1 %; its alpha if it has a real one, else its luminance, is the weight per pixel) and the region's style.
/// </summary>
/// <param name="Mask">The encoded mask image.</param>
/// <param name="Style">The region's style: registered, inline or a blend (per-component layers are the request's own style's only).</param>
/// <param name="Weight">Scales the region's style loss; 1 = as the request's own style.</param>
public sealed record StyleRegionSpec(ReadOnlyMemory<byte> Mask, StyleSpec Style, double Weight = 1);
