namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Where the feed-forward network's sampling grid sits on an image: the columns and rows of reflected picture put before its
/// left and top edges (0 to <see cref="Stride"/> − 1 each). The network downsamples by <see cref="Stride"/>, so its strokes
/// are drawn on a grid of that pitch: a picture moved by a whole number of pitches comes out moved alike, one moved by a
/// fraction of a pitch comes out with other strokes. A video of a moving picture keeps its strokes by stylising every frame
/// with its content on the first frame's grid (<see cref="Following"/>).
/// </summary>
/// <param name="X">Columns before the left edge.</param>
/// <param name="Y">Rows before the top edge.</param>
public readonly record struct GridPhase(int X, int Y)
{
    /// <summary>The grid's pitch in pixels: the network's total downsampling.</summary>
    public const int Stride = StyleNetwork.Stride;

    /// <summary>The image where it is (no columns or rows added).</summary>
    public static GridPhase None => default;

    /// <summary>
    /// The phase that puts content moved by (<paramref name="dx"/>, <paramref name="dy"/>) pixels since a first frame (stylised
    /// with <see cref="None"/>) back on that frame's grid: minus the motion, rounded, modulo the stride.
    /// </summary>
    public static GridPhase Following(double dx, double dy)
    {
        if (!double.IsFinite(dx) || !double.IsFinite(dy))
        {
            return None;
        }
        static int Wrap(double d) => (int)(((-(long)Math.Round(d)) % Stride + Stride) % Stride);
        return new GridPhase(Wrap(dx), Wrap(dy));
    }
}
