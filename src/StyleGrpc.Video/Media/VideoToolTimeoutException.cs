namespace StyleGrpc.Video.Media;

/// <summary>
/// ffmpeg or ffprobe ran past its time limit (<see cref="FfmpegTool.TimeLimit"/>); its process tree has been killed
/// before this is thrown.
/// </summary>
public sealed class VideoToolTimeoutException : VideoToolException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="tool">The tool's name (<c>ffmpeg</c> or <c>ffprobe</c>).</param>
    /// <param name="timeLimit">The limit it ran past.</param>
    /// <param name="standardError">The end of its standard error.</param>
    public VideoToolTimeoutException(string tool, TimeSpan timeLimit, string standardError)
        : base(tool, $"killed after its time limit of {timeLimit.TotalSeconds:0.###} s", standardError)
    {
        TimeLimit = timeLimit;
    }

    /// <summary>The time limit the tool ran past.</summary>
    public TimeSpan TimeLimit { get; }
}
