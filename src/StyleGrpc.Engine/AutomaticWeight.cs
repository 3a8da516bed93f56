namespace StyleGrpc.Engine;

/// <summary>
/// Balances style against content for networks whose loss scales differ from VGG's: the style loss of the content image
/// against an estimate of the content loss of the style image. The latter is E[(Fc − Fs)²] over unaligned positions,
/// = mean(Fc²) + mean(Fs²) − 2·mean_c(μc·μs), where mean(Fs²) is the trace of the style's Gram matrix at that layer.
/// </summary>
internal static class AutomaticWeight
{
    /// <param name="plan">Layers and weights.</param>
    /// <param name="style">The style's statistics.</param>
    /// <param name="factor">Scale of the result.</param>
    /// <param name="styleLossOfContent">Per style layer: the (unweighted) style loss of the content image.</param>
    /// <param name="contentStatistics">Per content layer: mean of the content features squared, and their per-channel means.</param>
    public static double Compute(LayerPlan plan, StyleTargets style, double factor, Func<string, double> styleLossOfContent,
        Func<string, (double MeanSquare, float[] ChannelMeans)> contentStatistics)
    {
        double styleLoss = 0;
        foreach (var layer in plan.Style)
        {
            styleLoss += layer.Weight * styleLossOfContent(layer.Layer);
        }
        double contentLoss = 0;
        foreach (var layer in plan.Content)
        {
            var stats = style.Find(layer.Layer) ?? throw new InvalidStyleOptionException("StyleWeight",
                $"automatic balancing needs style statistics at content layer {layer.Layer}; set a style weight or recompute the targets with this content layer");
            var c = stats.Channels;
            var trace = 0.0;
            for (var i = 0; i < c; i++)
            {
                trace += stats.Gram[i * c + i];
            }
            var (meanSquare, contentMeans) = contentStatistics(layer.Layer);
            var cross = contentMeans.Zip(stats.ChannelMeans, (a, b) => (double)a * b).Sum() / c;
            contentLoss += layer.Weight * (meanSquare + trace - 2 * cross);
        }
        return styleLoss > 0 ? factor * contentLoss / styleLoss : 1.0;
    }
}
