using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Flow;

/// <summary>
/// The warping error of Lai et al. ("Learning Blind Video Temporal Consistency", ECCV 2018), a measure of flicker,
/// accumulated one frame pair at a time so a benchmark can stream it:
/// E = mean over t ≥ 1 of [ Σₓ Mₜ(x) ‖Oₜ(x) − warp(Oₜ₋₁)(x)‖² / Σₓ Mₜ(x) ], with O the output (stylised) frames, pixel
/// values in [0, 1], ‖·‖² summed over the three channels, and the flow and the mask M (<see cref="OcclusionMask"/>)
/// computed on the <em>input</em> frames I. The previous output is warped with the input's backward flow
/// (<see cref="FrameWarp"/>).
/// </summary>
/// <remarks>
/// A pair whose mask is empty (no reliable pixel) adds nothing and is not counted. Not thread-safe: one accumulator per
/// sequence, fed in order.
/// </remarks>
public sealed class WarpingError
{
    private double sum;

    /// <summary>The frame pairs counted so far.</summary>
    public int Count { get; private set; }

    /// <summary>The running mean E over the pairs counted so far; 0 before the first.</summary>
    public double Mean => Count == 0 ? 0 : sum / Count;

    /// <summary>
    /// Adds the pair (t−1, t): computes both flows between <paramref name="inputPrevious"/> and <paramref name="input"/>,
    /// the mask, and the error of <paramref name="output"/> against the warped <paramref name="outputPrevious"/>.
    /// </summary>
    /// <returns>This pair's error, or NaN when its mask is empty (not counted).</returns>
    /// <exception cref="ArgumentException">The four frames are not all one size.</exception>
    public double Add(RgbImage inputPrevious, RgbImage input, RgbImage outputPrevious, RgbImage output)
    {
        var flows = OpticalFlow.ComputeBoth(inputPrevious, input);
        return Add(flows.Backward, OcclusionMask.Compute(flows.Backward, flows.Forward), outputPrevious, output);
    }

    /// <summary>
    /// Adds the pair (t−1, t) with the input's flow and mask already computed (by the caller, for its temporal loss),
    /// so nothing is computed twice.
    /// </summary>
    /// <param name="backward">The input frames' flow from t to t−1 (<see cref="FlowPair.Backward"/>).</param>
    /// <param name="mask">The input frames' mask for t (<see cref="OcclusionMask.Compute"/>), width × height weights.</param>
    /// <param name="outputPrevious">Output frame t−1.</param>
    /// <param name="output">Output frame t.</param>
    /// <returns>This pair's error, or NaN when the mask is empty (not counted).</returns>
    /// <exception cref="ArgumentException">The frames, flow and mask are not all one size.</exception>
    public double Add(FlowField backward, float[] mask, RgbImage outputPrevious, RgbImage output)
    {
        ArgumentNullException.ThrowIfNull(backward);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(output);
        if (output.Width != backward.Width || output.Height != backward.Height)
        {
            throw new ArgumentException(
                $"output is {output.Width}×{output.Height}, the flow is {backward.Width}×{backward.Height}; they must be one size", nameof(output));
        }
        if (mask.Length != backward.Dx.Length)
        {
            throw new ArgumentException($"mask must hold {backward.Dx.Length} weights (got {mask.Length})", nameof(mask));
        }
        var warped = FrameWarp.WarpToUnitFloats(outputPrevious, backward);
        var pixels = output.Pixels;
        double weighted = 0, weights = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            var m = mask[i];
            if (m == 0)
            {
                continue;
            }
            double squared = 0;
            for (var c = 0; c < 3; c++)
            {
                var d = pixels[3 * i + c] / 255.0 - warped[3 * i + c];
                squared += d * d;
            }
            weighted += m * squared;
            weights += m;
        }
        if (weights == 0)
        {
            return double.NaN;
        }
        var error = weighted / weights;
        sum += error;
        Count++;
        return error;
    }
}
