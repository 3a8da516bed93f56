using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Jobs;

/// <summary>A feed-forward pass's picture as a run's result: no iterations, no losses, the plan's size, tiling and settings on record.</summary>
public static class FeedForwardResults
{
    public static StyleTransferResult Of(RgbImage image, RunPlan plan, StyleTransferEngine engine, TimeSpan elapsed)
    {
        var options = plan.Options;
        var record = new ReproducibilityRecord
        {
            Plan = plan,
            ScaleLevels = 1,
            TileSize = options.TileSize > 0 && Math.Max(plan.Width, plan.Height) > options.TileSize ? options.TileSize : 0,
            CoarseIterations = 0,
            EngineVersion = StyleTransferEngine.Version,
            Network = engine.Network.Info,
            Device = engine.Network.Device.ToString(),
            Preset = plan.Preset,
            // The network was trained on the style's targets; no layers are read to make the picture.
            ContentLayers = [],
            StyleLayers = [],
            ContentWeight = 0,
            StyleWeight = 0,
            StyleWeightAutomatic = false,
            TotalVariationWeight = 0,
            Optimizer = options.Optimizer,
            LearningRate = 0,
            Iterations = 0,
            Init = options.Init,
            InitNoiseRatio = 0,
            Seed = options.Seed,
            Width = plan.Width,
            Height = plan.Height,
            StyleWidth = 0,
            StyleHeight = 0,
            KeepOriginalColours = false,
            RelativeTolerance = 0,
            Threads = options.Threads ?? 0,
        };
        return new StyleTransferResult(image, new StyleTransferProgress(0, 0, 0, 0, 0, 0, elapsed, TimeSpan.Zero, null), 0, elapsed, record);
    }
}
