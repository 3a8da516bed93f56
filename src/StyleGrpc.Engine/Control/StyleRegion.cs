namespace StyleGrpc.Engine.Control;

/// <summary>
/// One region of a run (spatial control, Gatys et al. 2017): where it is, its style's targets for every level (coarsest
/// first, as the run's own), and the weight of its style loss. An input of the run, like the photo: a resumed run is given
/// its regions again; checkpoints hold none.
/// </summary>
/// <param name="Mask">The region's weight per pixel.</param>
/// <param name="LevelTargets">Its style's targets, one set per level of the plan.</param>
/// <param name="Weight">Scales its style loss (the plan's <see cref="RegionOptions.Weight"/>).</param>
/// <param name="Style">What the host calls its style (for the reproducibility record), e.g. <c>styles/starry</c>.</param>
/// <param name="MaskSha256">The host's hash of the mask as sent (for the reproducibility record).</param>
public sealed record StyleRegion(RegionMask Mask, IReadOnlyList<StyleTargets> LevelTargets, double Weight = 1.0, string Style = "", string MaskSha256 = "");
