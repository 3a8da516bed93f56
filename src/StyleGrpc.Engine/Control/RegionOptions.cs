namespace StyleGrpc.Engine.Control;

/// <summary>
/// What a plan needs to know of one region before any mask is decoded (<see cref="StyleTransferOptions.Regions"/>): the
/// mask's size as displayed (its aspect ratio must be within 1 % of the photo's) and the weight of its style loss.
/// </summary>
/// <param name="MaskWidth">The mask image's width, in pixels.</param>
/// <param name="MaskHeight">The mask image's height, in pixels.</param>
/// <param name="Weight">Scales the region's style loss; a finite number &gt; 0 (the request's own style counts 1).</param>
public sealed record RegionOptions(int MaskWidth, int MaskHeight, double Weight = 1.0);
