using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>
/// Video: the short-term temporal guide of one frame t ≥ 1 (Ruder, Dosovitskiy and Brox 2016, "Artistic style transfer for
/// videos", eq. 3). The run adds <c>Weight × γ × ContentWeight × (1/D) Σ c(x)·(x − ω)²</c> to its loss at every level: ω is
/// <see cref="Warped"/>, c is <see cref="Weights"/>, D = pixels × 3 channels, x and ω in [0, 1] (the engine's pixel scale,
/// the one the content loss is computed from), γ the preset's <see cref="Networks.LayerPreset.TemporalWeight"/>. Made by the
/// caller's optical flow; the engine knows nothing of how.
/// </summary>
/// <remarks>
/// <see cref="Weight"/> 1 is "as strong as Ruder's default relative to the content loss": Ruder et al. weigh content α = 1
/// (code: 5) against temporal γ = 200 (code: 1000), both means, the temporal one over Caffe's 0–255 pixels, the content one
/// over relu4_2 of Caffe's VGG19, which reads such pixels. Each preset converts γ/α = 200 to its network: ≈ 3.9·10³ on VGG19
/// (it reads pixels ÷ σ, and a ReLU network's losses scale alike with its input), 200 on the ResNet18 default (measured; its
/// content layer is batch-normalised). docs/engine.md, "Video".
/// </remarks>
public sealed record TemporalGuide
{
    /// <summary>Ruder et al.'s temporal-to-content weight ratio γ/α (200 = 1000 / 5 in their code), on 0–255 pixels.</summary>
    public const double RuderRatio = 200;

    /// <summary>
    /// The previous frame's stylised output warped into this frame's position, at this frame's size (the content image's
    /// width and height). Scaled to each level's size. Also the start image of an <see cref="InitKind.FeedForward"/> plan when
    /// <see cref="RunInputs.Start"/> is null (Ruder's "previous frame warped" initialisation).
    /// </summary>
    public required RgbImage Warped { get; init; }

    /// <summary>
    /// Per-pixel reliability c(x), row by row, <c>Warped.Width × Warped.Height</c> values in [0, 1]: 1 where the flow is
    /// reliable, 0 at disocclusions and motion boundaries (Ruder's c). Scaled to each level's size (area averaging when
    /// shrinking, bilinear when growing).
    /// </summary>
    public required float[] Weights { get; init; }

    /// <summary>
    /// Strength of the temporal term relative to Ruder's default (see remarks): 1 = the preset's γ, 0 = no temporal term.
    /// Finite, ≥ 0. Default 1. The feed-forward blend reads it as <see cref="FeedForward.TemporalBlend.Alpha"/>.
    /// </summary>
    public double Weight { get; init; } = 1;

    /// <summary>
    /// Checks the guide against a <paramref name="width"/>×<paramref name="height"/> frame: same size, one weight per
    /// pixel, each in [0, 1], and a finite <see cref="Weight"/> ≥ 0. The one rule for both video methods.
    /// </summary>
    /// <exception cref="InvalidStyleOptionException">Field <c>Temporal</c> (the images or weights), or <c>TemporalWeight</c>.</exception>
    public void EnsureFits(int width, int height)
    {
        static void Require(bool condition, string field, string message)
        {
            if (!condition)
            {
                throw new InvalidStyleOptionException(field, message);
            }
        }
        Require(Warped.Width == width && Warped.Height == height, "Temporal",
            $"the warped previous output is {Warped.Width}×{Warped.Height}, the frame is {width}×{height}");
        Require(Weights.Length == (long)width * height, "Temporal", $"has {Weights.Length} weights, the frame has {(long)width * height} pixels");
        Require(Array.TrueForAll(Weights, w => w is >= 0 and <= 1), "Temporal", "weights must be in [0, 1]");
        Require(double.IsFinite(Weight) && Weight >= 0, "TemporalWeight", "must be a finite number ≥ 0");
    }

    /// <summary>
    /// The coefficient of the mean temporal loss in a run's total: <see cref="Weight"/> × <paramref name="presetWeight"/>
    /// (γ, <see cref="Networks.LayerPreset.TemporalWeight"/>) × <paramref name="contentWeight"/>.
    /// </summary>
    public double Coefficient(double presetWeight, double contentWeight) => Weight * presetWeight * contentWeight;
}
