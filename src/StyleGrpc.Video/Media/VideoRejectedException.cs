namespace StyleGrpc.Video.Media;

/// <summary>
/// The input video, or an option about it, is refused: not a video, unreadable, truncated, over a limit
/// (<see cref="VideoLimits"/>), or an option out of range. The caller's fault, not ours: the server maps it to
/// InvalidArgument naming <see cref="Field"/>.
/// </summary>
public sealed class VideoRejectedException : Exception
{
    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    /// <param name="field">
    /// The request field at fault, snake_case as in the contract: <c>video</c> for the file itself,
    /// <c>frame_range</c>, <c>frame_rate</c> or <c>max_side</c> for the decode options.
    /// </param>
    /// <param name="message">What is wrong, for the client; no paths of ours, no ffmpeg internals beyond its error line.</param>
    public VideoRejectedException(string field, string message)
        : base($"{field}: {message}")
    {
        Field = field;
        Reason = message;
    }

    /// <summary>The request field at fault (<c>video</c>, <c>frame_range</c>, <c>frame_rate</c>, <c>max_side</c>).</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the field name.</summary>
    public string Reason { get; }
}
