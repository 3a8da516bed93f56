using System.Globalization;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>A video job's progress and result as people read them, shared by the progress bar, plain lines and <c>jobs get</c>.</summary>
internal static class VideoText
{
    /// <summary>"queued, position 2", "starting", or "frame 3/24, 1.25 frames/s, eta 00:00:17".</summary>
    public static string Progress(VideoProgress p) => p.State == JobState.Queued
        ? p.QueuePosition > 0 ? $"queued, position {p.QueuePosition}" : "starting"
        : Frames(p.FramesDone, p.TotalFrames, p.FramesPerSecond, p.Eta);

    /// <summary>"frame 3/24, 1.25 frames/s, eta 00:00:17" (the rate and ETA once known).</summary>
    public static string Frames(int done, int total, double framesPerSecond, TimeSpan eta) =>
        string.Create(CultureInfo.InvariantCulture, $"frame {done}/{(total > 0 ? total : "?")}")
        + (framesPerSecond > 0 ? string.Create(CultureInfo.InvariantCulture, $", {framesPerSecond:0.##} frames/s") : "")
        + (done > 0 && eta > TimeSpan.Zero ? $", eta {eta:hh\\:mm\\:ss}" : "");

    /// <summary>"24 frames 64x48 at 24 fps, mp4, 51,234 bytes, with audio".</summary>
    public static string Result(VideoCompleted v) =>
        string.Create(CultureInfo.InvariantCulture, $"{v.Frames} frames {v.Width}x{v.Height} at {v.FrameRate:0.##} fps, {FormatName(v.Format)}, {v.VideoSize:N0} bytes")
        + (v.HasAudio ? ", with audio" : "") + (v.Attempts > 1 ? $", {v.Attempts} attempts" : "");

    /// <summary>"mp4" or "webm": the CLI's name of a format, and the output's extension.</summary>
    public static string FormatName(VideoFormat format) => format == VideoFormat.WebM ? "webm" : "mp4";
}
