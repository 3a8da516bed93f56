using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>
/// Video: the short-term temporal guide of one frame t ≥ 1 (Ruder, Dosovitskiy and Brox 2016, "Artistic style transfer for
/// videos", eq. 3). The run adds
/// <c>Weight × <see cref="RuderRatio"/> × ContentWeight × (1/D) Σ c(x)·(s·(x − ω))²</c> to its loss: ω is
/// <see cref="Warped"/>, c is <see cref="Weights"/>, D = pixels × 3 channels, x and ω in [0, 1] and s the network's
/// <see cref="Networks.IFeatureNetwork.InputScale"/>, so the difference is measured in the units the network (and hence the
/// content loss) sees its pixels in. Made by the caller's optical flow; the engine knows nothing of how.
/// </summary>
/// <remarks>
/// <para>
/// Why <see cref="Weight"/> 1 is "Ruder's default": Ruder et al. weigh content α = 1 (code: 5) against temporal γ = 200
/// (code: 1000), both losses means, the temporal one over pixels on Caffe's 0–255 scale and the content one over relu4_2
/// features of the Caffe VGG19 fed that scale. A ReLU network without normalisation layers is (up to its biases)
/// positively homogeneous: scaling its input by k scales its features by k, the content loss by k² and a pixel loss by k²
/// alike. Measuring the pixel difference in the network's own input units therefore keeps γ/α = 200 meaningful whatever
/// the input normalisation: ×255 on the ResNet18 default (Caffe's scale), ÷σ (≈ ×4.4) on torchvision's VGG19.
/// </para>
/// <para>
/// The equivalence is exact in pixel scale for the VGG19 "gatys" preset (content relu4_2, as Ruder's) up to the difference
/// between torchvision's and Caffe's trained weights. On the ResNet18 default the content layer (layer2) follows batch
/// normalisation, whose features are smaller than Caffe relu4_2's, so the same γ holds the frame relatively harder to the
/// warped previous output than Ruder's did; lower <see cref="Weight"/> if consecutive frames look frozen.
/// </para>
/// </remarks>
public sealed record TemporalGuide
{
    /// <summary>Ruder et al.'s temporal-to-content weight ratio γ/α (200 = 1000 / 5 in their code).</summary>
    public const double RuderRatio = 200;

    /// <summary>
    /// The previous frame's stylised output warped into this frame's position, at this frame's size (the content image's
    /// width and height). Scaled to each level's size. Also the start image of an <see cref="InitKind.FeedForward"/> plan when
    /// <see cref="RunInputs.Start"/> is null (Ruder's "previous frame warped" initialisation).
    /// </summary>
    public required RgbImage Warped { get; init; }

    /// <summary>
    /// Per-pixel reliability c(x), row by row, <c>Warped.Width × Warped.Height</c> values in [0, 1]: 1 where the flow is
    /// reliable, 0 at disocclusions and motion boundaries (Ruder's c). Scaled to each level's size bilinearly.
    /// </summary>
    public required float[] Weights { get; init; }

    /// <summary>
    /// Strength of the temporal term, relative to Ruder's default (see remarks): 1 = γ/α = 200, 0 = no temporal term.
    /// Finite, ≥ 0. Default 1.
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

    /// <summary>The coefficient of the mean temporal loss in the run's total, for a content weight of <paramref name="contentWeight"/>.</summary>
    public double Coefficient(double contentWeight) => Weight * RuderRatio * contentWeight;
}
