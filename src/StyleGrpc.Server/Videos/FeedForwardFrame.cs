using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Flow;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// A feed-forward video frame under way: its input, the network's pass over it and the input's flow from the frame before
/// (with its occlusion mask), both started as soon as the frame was decoded. What needs the previous output (the warp and the
/// blend) waits for that frame to be finished.
/// </summary>
/// <param name="Input">The decoded frame.</param>
/// <param name="Pass">The network's output for it.</param>
/// <param name="Flow">The backward flow from it to the frame before and where that flow holds; null for the first frame, or with temporal weight 0.</param>
/// <param name="Started">When the pass was started (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal sealed record FeedForwardFrame(RgbImage Input, Task<RgbImage> Pass, Task<(FlowField Backward, float[] Mask)>? Flow, long Started)
{
    /// <summary>Waits for the pass and the flow to end, whatever their outcome (a run that stops leaves none running).</summary>
    public async Task SettleAsync()
    {
        try
        {
            await Task.WhenAll(Flow is null ? [Pass] : [Pass, Flow]).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Observed here; the run reports its own error.
        }
    }
}
