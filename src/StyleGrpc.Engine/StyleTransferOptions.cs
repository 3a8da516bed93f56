using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Engine;

/// <summary>Every setting of one style-transfer run. Null means "the preset's or optimiser's default".</summary>
public sealed record StyleTransferOptions
{
    /// <summary>Longer side of the output in pixels (the content image is scaled down to it, keeping aspect). Default 512.</summary>
    public int MaxSide { get; init; } = 512;

    /// <summary>Most optimiser iterations (each evaluates the loss once); the run may stop earlier, see <see cref="RelativeTolerance"/>. Default 500.</summary>
    public int Iterations { get; init; } = 500;

    /// <summary>Optimiser. Default L-BFGS.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Lbfgs;

    /// <summary>Learning rate; null = 1 for L-BFGS, 0.02 for Adam, 0.01 for RMSprop.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Layer preset name (see the network's presets); null = the network's default.</summary>
    public string? Preset { get; init; }

    /// <summary>Explicit content layers and weights; overrides the preset's.</summary>
    public IReadOnlyList<LayerWeight>? ContentLayers { get; init; }

    /// <summary>Explicit style layers and weights; overrides the preset's.</summary>
    public IReadOnlyList<LayerWeight>? StyleLayers { get; init; }

    /// <summary>Weight of the content loss; null = the preset's (1).</summary>
    public double? ContentWeight { get; init; }

    /// <summary>
    /// Weight of the style loss; null = the preset's (1e6 on VGG19). When the preset has none (the
    /// offline ResNet18), it is balanced per job: <see cref="AutoStyleWeightFactor"/> × (estimated content
    /// loss of the style image ÷ style loss of the content image).
    /// </summary>
    public double? StyleWeight { get; init; }

    /// <summary>Factor of the automatic style weight. Default 10.</summary>
    public double AutoStyleWeightFactor { get; init; } = 10;

    /// <summary>Weight of the total-variation loss; null = the preset's.</summary>
    public double? TotalVariationWeight { get; init; }

    /// <summary>Starting image. Default the content image.</summary>
    public InitKind Init { get; init; } = InitKind.Content;

    /// <summary>Share of noise for <see cref="InitKind.Blend"/>, in [0, 1]. Default 0.5.</summary>
    public double InitNoiseRatio { get; init; } = 0.5;

    /// <summary>Seed of every random choice (noise init). Same inputs and seed give identical output bytes.</summary>
    public long Seed { get; init; }

    /// <summary>Send a preview image every this many iterations; 0 = never.</summary>
    public int PreviewEvery { get; init; }

    /// <summary>Keep the content's colours: luminance from the result, chroma from the content.</summary>
    public bool KeepOriginalColours { get; init; }

    /// <summary>
    /// The run stops early once the total loss changes by less than this fraction over
    /// <see cref="StopWindow"/> iterations; 0 = run all iterations. Default 0.005: on the offline
    /// default network at 256 px this stops L-BFGS after 250–400 iterations within about 3 % of the loss
    /// 800 iterations reach (docs/performance.md), so callers need not guess an iteration count.
    /// </summary>
    public double RelativeTolerance { get; init; } = 0.005;

    /// <summary>Iterations over which <see cref="RelativeTolerance"/> is measured. Default 20.</summary>
    public int StopWindow { get; init; } = 20;

    /// <summary>L-BFGS history size. Default 100 (PyTorch's).</summary>
    public int LbfgsHistory { get; init; } = 100;

    /// <summary>
    /// Coarse-to-fine levels (<see cref="ScaleSchedule"/>): 1 = optimise at the output size only; N = N levels a factor √2
    /// apart ending at the output size, each starting from the previous one's result upsampled; 0 = automatic (one level
    /// per √2 step down to 128 px from 256 px outputs up, single scale below). At most 12. Default 1: at equal time coarse-to-fine
    /// gives lower style losses at half and quarter size but a higher full-size loss (docs/performance.md, "Coarse-to-fine").
    /// </summary>
    public int ScaleLevels { get; init; } = 1;

    /// <summary>Most iterations at each coarser level; null = a tenth of <see cref="Iterations"/> (<see cref="ScaleSchedule.AutomaticCoarseIterations"/>).</summary>
    public int? CoarseIterations { get; init; }

    /// <summary>
    /// Coarse-to-fine with L-BFGS: each level's first step uses the curvature scale the previous level measured (scaled by
    /// the pixel ratio) instead of PyTorch's cautious first step. The (s, y) history itself restarts (it belongs to the
    /// old size). Default true (docs/performance.md, "Coarse-to-fine").
    /// </summary>
    public bool CarryOptimizerState { get; init; } = true;

    /// <summary>
    /// Side of a tile's core, in pixels: above it, each step is computed tile by tile, exactly (the whole image's loss and
    /// gradient; see <c>TiledStyleObjective</c>), so memory grows with the tile rather than the image. 0 = never tile. Default 0.
    /// </summary>
    public int TileSize { get; init; }

    /// <summary>
    /// With <see cref="TileSize"/> set, levels of a coarse-to-fine run whose longer side is at most this run whole (they fit,
    /// and a whole step is faster than a tiled one); 0 = tile every level larger than the tile. Default 0.
    /// </summary>
    public int TileAbove { get; init; }

    /// <summary>
    /// Time the run may take; null = no limit. When it is up the run ends with the image as it is: at a coarser level, that
    /// image upsampled to the output size. Iterations that started finish; the final evaluation comes on top.
    /// </summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Intra-op threads for this run; null = the process setting. Hosts running several jobs at once split the cores.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// L-BFGS: clamp pixels to [0, 1] before every evaluation (as the PyTorch tutorial's closure does),
    /// so the losses reported are those of a valid image. Off, L-BFGS runs unconstrained and only the
    /// final image is clamped (PyTorch's plain LBFGS). Adam and RMSprop always clamp. Default true.
    /// </summary>
    public bool ClampPixels { get; init; } = true;

    /// <summary>
    /// Colour control (docs/engine.md, "Control"). Default <see cref="ColourControl.None"/>;
    /// <see cref="KeepOriginalColours"/> set means <see cref="ColourControl.KeepOriginal"/> (the two must not disagree).
    /// </summary>
    public ColourControl ColourControl { get; init; }

    /// <summary>
    /// Regions painted with other styles (spatial control): their masks' sizes and weights, checked by the plan; the masks
    /// and their styles' targets are given to the run (<see cref="StyleRegion"/>). Null or empty = none.
    /// </summary>
    public IReadOnlyList<RegionOptions>? Regions { get; init; }

    /// <summary>
    /// Scale control: the components of the request's blended style with their own style layers, in the order their
    /// targets are given (<see cref="ScaleControl.Blend"/>). Null, or no component with layers = a plain blend.
    /// </summary>
    public IReadOnlyList<BlendComponentLayers>? BlendComponents { get; init; }
}
