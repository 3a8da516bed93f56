using System.Globalization;
using System.Text;

namespace StyleGrpc.Video.Media;

/// <summary>
/// Joins the parts of a stylised video into the final file and puts the source's audio back.
/// </summary>
/// <remarks>
/// <para>
/// Durability: a server that checkpoints after every finished frame keeps the finished frames in short parts (say 24
/// or 48 frames each), each a small file written with <see cref="VideoEncoder"/> in <see cref="PartContainer"/> at the
/// same size and frame rate. A part, once complete, never changes, so after a crash (on this machine or another) only
/// the frames of the unfinished part are redone; the parts already stored are joined here at the end.
/// </para>
/// <para>
/// Joining uses ffmpeg's concat demuxer. For <see cref="VideoContainer.Mp4H264"/> the parts' H.264 is copied as it is
/// (no second encoding, so the result is exactly the parts); for <see cref="VideoContainer.WebmVp9"/> it is encoded to
/// VP9 once. The audio is the source's first audio stream cut to the frames' range, AAC 128 kb/s in MP4, Opus 96 kb/s
/// in WebM, and the result ends with the shorter of video and audio (<c>-shortest</c>). A source without audio gives a
/// file without audio. Thread-safe: each call runs its own ffmpeg.
/// </para>
/// </remarks>
public sealed class VideoAssembler
{
    /// <summary>The format of the parts: MP4 with H.264, the settings of <see cref="VideoContainer.Mp4H264"/>.</summary>
    public const VideoContainer PartContainer = VideoContainer.Mp4H264;

    private readonly FfmpegTool tool;

    /// <summary>Creates an assembler that runs ffmpeg through <paramref name="tool"/>.</summary>
    public VideoAssembler(FfmpegTool tool)
    {
        this.tool = tool;
    }

    /// <summary>Joins <paramref name="parts"/> in order into <paramref name="outputPath"/> with the audio of <paramref name="audioSource"/>.</summary>
    /// <param name="parts">The parts' files, in order, all written in <see cref="PartContainer"/> at one size and rate.</param>
    /// <param name="audioSource">The file to take audio from (the uploaded source), or null for none. Having no audio stream is fine.</param>
    /// <param name="format">The final file's format.</param>
    /// <param name="framesPerSecond">The parts' frame rate, frames per second (<see cref="VideoDecodePlan.FramesPerSecond"/>): it places <paramref name="range"/> in the audio.</param>
    /// <param name="range">The frames the parts hold, as decoded (<see cref="VideoDecodePlan.Range"/>): the audio is cut to the same span.</param>
    /// <param name="outputPath">The file to write (replaced if it exists; a failed run leaves none).</param>
    /// <param name="cancellationToken">Kills ffmpeg.</param>
    /// <exception cref="ArgumentException">No parts, a part that does not exist, or a frame rate that is not positive.</exception>
    /// <exception cref="VideoToolException">ffmpeg failed.</exception>
    /// <exception cref="VideoToolTimeoutException">ffmpeg used up its time limit.</exception>
    public async Task AssembleAsync(IReadOnlyList<string> parts, string? audioSource, VideoContainer format, double framesPerSecond,
        FrameRange range, string outputPath, CancellationToken cancellationToken)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("parts must name at least one file", nameof(parts));
        }
        if (parts.FirstOrDefault(p => !File.Exists(p)) is { } missing)
        {
            throw new ArgumentException($"part {missing} does not exist", nameof(parts));
        }
        if (!double.IsFinite(framesPerSecond) || framesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "framesPerSecond must be positive");
        }
        var output = Path.GetFullPath(outputPath);
        var list = output + ".parts.txt";
        await File.WriteAllTextAsync(list, ConcatList(parts), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken).ConfigureAwait(false);
        try
        {
            await tool.RunFfmpegAsync(Arguments(list, audioSource, format, framesPerSecond, range, output), cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            File.Delete(output);
            throw;
        }
        finally
        {
            File.Delete(list);
        }
    }

    /// <summary>The concat demuxer's list: one <c>file '…'</c> line a part, absolute paths, quotes escaped.</summary>
    internal static string ConcatList(IEnumerable<string> parts)
    {
        var text = new StringBuilder("ffconcat version 1.0\n");
        foreach (var part in parts)
        {
            text.Append("file 'file:").Append(Path.GetFullPath(part).Replace("'", @"'\''", StringComparison.Ordinal)).Append("'\n");
        }
        return text.ToString();
    }

    /// <summary>The ffmpeg arguments of an assembly (after the common ones).</summary>
    internal static List<string> Arguments(string list, string? audioSource, VideoContainer format, double framesPerSecond,
        FrameRange range, string output)
    {
        List<string> arguments = ["-f", "concat", "-safe", "0", "-i", "file:" + list];
        if (audioSource is not null)
        {
            if (range.First > 0)
            {
                arguments.AddRange(["-ss", Seconds(range.StartSeconds(framesPerSecond))]);
            }
            if (range.DurationSeconds(framesPerSecond) is { } duration)
            {
                arguments.AddRange(["-t", Seconds(duration)]);
            }
            arguments.AddRange(["-protocol_whitelist", "file", "-i", "file:" + Path.GetFullPath(audioSource)]);
        }
        arguments.AddRange(["-map", "0:v:0"]);
        if (audioSource is not null)
        {
            // "?": a source without audio gives a file without audio, not an error.
            arguments.AddRange(["-map", "1:a:0?"]);
        }
        switch (format)
        {
            case VideoContainer.Mp4H264:
                // The parts are already this codec with these settings: copied, not encoded again.
                arguments.AddRange(["-c:v", "copy", "-movflags", "+faststart", "-c:a", "aac", "-b:a", "128k"]);
                break;
            case VideoContainer.WebmVp9:
                arguments.AddRange(VideoEncoder.VideoCodecArguments(VideoContainer.WebmVp9));
                arguments.AddRange(["-c:a", "libopus", "-b:a", "96k"]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown video container");
        }
        arguments.AddRange(["-shortest", "-f", VideoEncoder.Muxer(format), "-y", "file:" + output]);
        return arguments;
    }

    private static string Seconds(double seconds) => seconds.ToString("0.######", CultureInfo.InvariantCulture);
}
