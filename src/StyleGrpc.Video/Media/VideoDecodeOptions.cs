namespace StyleGrpc.Video.Media;

/// <summary>What the caller asks of a decode; <see cref="VideoDecodePlan.Create"/> checks it against the video and the limits.</summary>
public sealed record VideoDecodeOptions
{
    /// <summary>
    /// The decoded frames' longest side at most, pixels (frames are only ever shrunk, to even sides); null for
    /// <see cref="VideoLimits.MaxSide"/>. Above that limit it is refused (field <c>max_side</c>).
    /// </summary>
    public int? MaxSide { get; init; }

    /// <summary>
    /// The decoded frames' sides are multiples of this (and even): the stylising network's <c>SizeMultiple</c>, so a stylised
    /// frame comes out at the decoded size. Default 2.
    /// </summary>
    public int SizeMultiple { get; init; } = 2;

    /// <summary>
    /// Which frames, counted after any frame-rate change (field <c>frame_range</c>); default the whole video. A server
    /// resuming after a crash asks for the frames it has not finished.
    /// </summary>
    public FrameRange Range { get; init; }

    /// <summary>
    /// Resample to this frame rate, frames per second (ffmpeg's <c>fps</c> filter drops or repeats frames; field
    /// <c>frame_rate</c>); null keeps the source's frames as they are.
    /// </summary>
    public double? FramesPerSecond { get; init; }
}
