using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Flow;

/// <summary>
/// The guide of a video frame after the first (Ruder et al. 2016): the previous stylised frame warped to this frame by the
/// flow between their inputs, and where that flow holds (<see cref="OcclusionMask"/>: forward–backward consistency and
/// motion boundaries). What the server's video jobs and the benchmark both use, so the two make the same frames.
/// </summary>
/// <remarks>Stateless and thread-safe; no tensors.</remarks>
public static class TemporalGuides
{
    /// <summary>
    /// The guide of frame t from the inputs t−1 and t and output t−1, with the temporal weight <paramref name="weight"/>, the
    /// flow found at <paramref name="flowScale"/> of the frames' size (<see cref="OpticalFlow.ComputeBoth"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The three frames are not one size.</exception>
    public static TemporalGuide Between(RgbImage previousInput, RgbImage input, RgbImage previousOutput, double weight, double flowScale = 1) =>
        Of(OpticalFlow.ComputeBoth(previousInput, input, flowScale), previousOutput, weight);

    /// <summary>The guide from the input's flows between frames t−1 and t, already found, and output t−1.</summary>
    /// <exception cref="ArgumentException">The flows and the frame are not one size.</exception>
    public static TemporalGuide Of(FlowPair flows, RgbImage previousOutput, double weight)
    {
        ArgumentNullException.ThrowIfNull(flows);
        return Of(flows.Backward, OcclusionMask.Compute(flows.Backward, flows.Forward), previousOutput, weight);
    }

    /// <summary>
    /// The guide from the input's backward flow and its mask (<see cref="OcclusionMask.Compute"/>), both found before (a
    /// caller that reuses them for several outputs), and output t−1.
    /// </summary>
    /// <exception cref="ArgumentException">The flow and the frame are not one size.</exception>
    public static TemporalGuide Of(FlowField backward, float[] mask, RgbImage previousOutput, double weight) => new()
    {
        Warped = FrameWarp.Warp(previousOutput, backward),
        Weights = mask,
        Weight = weight,
    };
}
