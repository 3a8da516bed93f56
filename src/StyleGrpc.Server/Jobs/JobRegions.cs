using System.Security.Cryptography;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Jobs;

/// <summary>A job's regions as the engine takes them, made when the job runs (masks decoded, their styles' targets resolved).</summary>
public static class JobRegions
{
    /// <summary>
    /// Each region's mask decoded (alpha if it has a real one, else luminance; scaled down to the output's longer side) and
    /// its style's targets for every level, as the request's own style's are made. A mask that passed its header check but
    /// does not decode fails the job naming <c>regions[i].mask</c>.
    /// </summary>
    public static async Task<IReadOnlyList<StyleRegion>> ResolveAsync(StylizeJobSpec spec, StyleRegistry registry, StyleTransferEngine engine,
        RgbImage photo, CancellationToken cancellationToken)
    {
        var regions = new List<StyleRegion>();
        var specs = spec.Regions ?? [];
        var side = Math.Max(spec.Plan.Width, spec.Plan.Height);
        for (var i = 0; i < specs.Count; i++)
        {
            var region = specs[i];
            RegionMask mask;
            try
            {
                mask = MaskCodec.Decode(region.Mask.Span, long.MaxValue, side);
            }
            catch (ImageDecodeException ex)
            {
                throw new RequestFieldException($"regions[{i}].mask", ex.Message);
            }
            var targets = await region.Style.ResolveAsync(registry, engine, spec.Plan, photo, cancellationToken).ConfigureAwait(false);
            regions.Add(new StyleRegion(mask, targets, region.Weight, region.Style.RecordName(), Convert.ToHexStringLower(SHA256.HashData(region.Mask.Span))));
        }
        return regions;
    }
}
