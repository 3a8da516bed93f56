using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine.Control;

/// <summary>
/// The checks of the control options (colour, regions, per-component layers) a plan makes, and of the regions a run is
/// given against its plan. Errors name the option (<c>Regions[1].Mask</c>, <c>BlendComponents[0].StyleLayers[2].Layer</c>).
/// </summary>
internal static class ControlValidation
{
    /// <summary>Largest relative difference of a mask's aspect ratio from the photo's.</summary>
    public const double AspectTolerance = 0.01;

    public static void Check(IFeatureNetwork network, StyleTransferOptions o, int contentWidth, int contentHeight, RunLimits limits)
    {
        Require(Enum.IsDefined(o.ColourControl), "ColourControl", "is not a known colour control");
        Require(!o.KeepOriginalColours || o.ColourControl is ColourControl.None or ColourControl.KeepOriginal, "ColourControl",
            $"{o.ColourControl} contradicts KeepOriginalColours (an alias of KeepOriginal)");
        var regions = o.Regions ?? [];
        var maxRegions = Math.Min(limits.MaxRegions, StyleTransferEngine.MaxRegionsLimit);
        Require(regions.Count <= maxRegions, "Regions", $"{regions.Count} regions, more than the limit of {maxRegions}");
        var aspect = (double)contentWidth / contentHeight;
        for (var i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            Require(double.IsFinite(region.Weight) && region.Weight > 0, $"Regions[{i}].Weight", "must be a finite number > 0");
            Require(region.MaskWidth > 0 && region.MaskHeight > 0, $"Regions[{i}].Mask", "has no pixels");
            var maskAspect = (double)region.MaskWidth / region.MaskHeight;
            Require(Math.Abs(maskAspect / aspect - 1) <= AspectTolerance, $"Regions[{i}].Mask",
                $"is {region.MaskWidth}×{region.MaskHeight} (aspect {maskAspect:F3}), the photo is {contentWidth}×{contentHeight} (aspect {aspect:F3}): they differ by more than {AspectTolerance:P0}");
        }
        var components = o.BlendComponents ?? [];
        for (var i = 0; i < components.Count; i++)
        {
            Require(double.IsFinite(components[i].Weight) && components[i].Weight > 0, $"BlendComponents[{i}].Weight", "must be a finite number > 0");
            LayerPlan.Check(network, components[i].StyleLayers, $"BlendComponents[{i}].StyleLayers");
        }
    }

    /// <summary>The regions a run is given: one per region of the plan, each with one set of targets per level at the plan's style layers.</summary>
    public static void CheckRegions(IReadOnlyList<StyleRegion> regions, RunPlan plan)
    {
        var planned = plan.Options.Regions?.Count ?? 0;
        Require(regions.Count == planned, "Regions", $"the plan has {planned} regions, the run was given {regions.Count}");
        for (var i = 0; i < regions.Count; i++)
        {
            Require(regions[i].LevelTargets.Count == plan.Levels.Count, $"Regions[{i}].Style",
                $"{plan.Levels.Count} scale levels need {plan.Levels.Count} sets of style targets, got {regions[i].LevelTargets.Count}");
            var missing = plan.StyleLayers.Select(l => l.Layer).Where(l => regions[i].LevelTargets.Any(t => t.Find(l) is null)).ToList();
            Require(missing.Count == 0, $"Regions[{i}].Style", $"the style targets have no statistics for {string.Join(", ", missing)}");
            Require(double.IsFinite(regions[i].Weight) && regions[i].Weight > 0, $"Regions[{i}].Weight", "must be a finite number > 0");
        }
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new InvalidStyleOptionException(field, message);
        }
    }
}
