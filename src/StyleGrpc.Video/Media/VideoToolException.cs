namespace StyleGrpc.Video.Media;

/// <summary>
/// ffmpeg or ffprobe failed for a reason that is not plainly the input's fault (it could not be started, or it
/// failed writing our own frames). Carries the end of its standard error.
/// </summary>
public class VideoToolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tool">The tool's name (<c>ffmpeg</c> or <c>ffprobe</c>).</param>
    /// <param name="message">What failed.</param>
    /// <param name="standardError">The last few kilobytes the tool wrote to standard error (may be empty).</param>
    /// <param name="innerException">The cause, if any.</param>
    public VideoToolException(string tool, string message, string standardError, Exception? innerException = null)
        : base(string.IsNullOrWhiteSpace(standardError) ? $"{tool}: {message}" : $"{tool}: {message}: {standardError.Trim()}", innerException)
    {
        Tool = tool;
        StandardError = standardError;
    }

    /// <summary>The tool's name (<c>ffmpeg</c> or <c>ffprobe</c>).</summary>
    public string Tool { get; }

    /// <summary>The last few kilobytes (at most <see cref="FfmpegTool.StandardErrorTailChars"/> characters) of the tool's standard error.</summary>
    public string StandardError { get; }
}
