namespace StyleGrpc.Video.Media;

/// <summary>
/// A decode worked out once, before any frame is decoded: the frames' size, rate and range, and how many frames to
/// expect. The server plans its job from it (memory, tiles, progress) and hands the same plan to
/// <see cref="VideoDecoder.ReadFramesAsync"/>; nothing below recomputes it.
/// </summary>
/// <param name="Source">The probed video.</param>
/// <param name="Size">The decoded frames' size (<see cref="FrameSize.Fit"/>).</param>
/// <param name="FramesPerSecond">The decoded frames' rate: the requested one, else the source's average rate.</param>
/// <param name="Resample">True when frames are resampled to <see cref="FramesPerSecond"/> (ffmpeg's <c>fps</c> filter); false keeps the source's frames.</param>
/// <param name="Range">Which frames, counted at <see cref="FramesPerSecond"/>.</param>
/// <param name="ExpectedFrames">
/// How many frames the decode should give: an estimate from the probe (exact for MP4 sources decoded without
/// resampling); the decoder gives what the file holds, never more than <see cref="MaxFrames"/>.
/// </param>
/// <param name="MaxFrames">The hard cap (<see cref="VideoLimits.MaxFrames"/>): a file holding more is refused while decoding.</param>
/// <param name="MaxPixelsPerFrame">Passed to ffmpeg's decoder (<c>-max_pixels</c>), so a frame larger than the probe said is refused there too.</param>
public sealed record VideoDecodePlan(
    VideoInfo Source,
    FrameSize Size,
    double FramesPerSecond,
    bool Resample,
    FrameRange Range,
    long ExpectedFrames,
    int MaxFrames,
    long MaxPixelsPerFrame)
{
    /// <summary>
    /// Checks <paramref name="options"/> against the probed <paramref name="source"/> and <paramref name="limits"/>
    /// and works out the decode. Pure.
    /// </summary>
    /// <exception cref="VideoRejectedException">
    /// Field <c>max_side</c>, <c>frame_rate</c> or <c>frame_range</c> for an option out of range (the range starts past
    /// the last frame, or resampling would make more than <see cref="VideoLimits.MaxFrames"/>).
    /// </exception>
    public static VideoDecodePlan Create(VideoInfo source, VideoDecodeOptions options, VideoLimits limits)
    {
        var maxSide = options.MaxSide ?? limits.MaxSide;
        if (maxSide < 2 || maxSide > limits.MaxSide)
        {
            throw new VideoRejectedException("max_side", $"must be 2 to {limits.MaxSide} pixels (got {maxSide})");
        }
        if (options.FramesPerSecond is { } requested
            && (!double.IsFinite(requested) || requested < VideoLimits.MinFramesPerSecond || requested > limits.MaxFramesPerSecond))
        {
            throw new VideoRejectedException("frame_rate",
                $"must be {VideoLimits.MinFramesPerSecond} to {limits.MaxFramesPerSecond} frames per second (got {requested})");
        }
        var fps = options.FramesPerSecond ?? source.FramesPerSecond;
        var resample = options.FramesPerSecond is not null;
        var total = resample ? (long)Math.Round(source.Duration.TotalSeconds * fps) : source.FrameCount;
        if (resample && total > limits.MaxFrames && options.Range.Count is null)
        {
            throw new VideoRejectedException("frame_rate",
                $"{fps:0.###} fps makes {total} frames of this video, over the limit of {limits.MaxFrames}; ask for fewer frames or a lower rate");
        }

        var range = options.Range;
        if (range.First < 0)
        {
            throw new VideoRejectedException("frame_range", $"the first frame must be 0 or more (got {range.First})");
        }
        if (range.Count is { } count && (count < 1 || count > limits.MaxFrames))
        {
            throw new VideoRejectedException("frame_range", $"the frame count must be 1 to {limits.MaxFrames} (got {count})");
        }
        if (range.First >= total)
        {
            throw new VideoRejectedException("frame_range", $"the first frame {range.First} is past the video's last frame ({total - 1})");
        }
        var expected = Math.Min(total - range.First, range.Count ?? long.MaxValue);
        return new VideoDecodePlan(source, FrameSize.Fit(source.Width, source.Height, maxSide, options.SizeMultiple), fps, resample, range,
            expected, limits.MaxFrames, limits.MaxPixelsPerFrame);
    }
}
