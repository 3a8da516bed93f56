namespace StyleGrpc.Video.Media;

/// <summary>
/// Which frames of a video to take, counted in the decoded sequence (after any frame-rate change): from
/// <see cref="First"/> (0-based), <see cref="Count"/> of them, or to the end when it is null. The default is the whole video.
/// </summary>
/// <param name="First">The first frame taken, 0-based.</param>
/// <param name="Count">How many frames at most; null for all to the end.</param>
public readonly record struct FrameRange(int First = 0, int? Count = null)
{
    /// <summary>The whole video.</summary>
    public static FrameRange All => default;

    /// <summary>True when it is the whole video (from frame 0, to the end).</summary>
    public bool IsAll => First == 0 && Count is null;

    /// <summary>Where the range starts at <paramref name="framesPerSecond"/>, seconds from the video's start.</summary>
    public double StartSeconds(double framesPerSecond) => First / framesPerSecond;

    /// <summary>How long the range lasts at <paramref name="framesPerSecond"/>, seconds; null when it runs to the end.</summary>
    public double? DurationSeconds(double framesPerSecond) => Count / framesPerSecond;
}
