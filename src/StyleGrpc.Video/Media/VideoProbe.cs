using System.Globalization;
using System.Text.Json;

namespace StyleGrpc.Video.Media;

/// <summary>
/// Reads a video file's streams with ffprobe (headers only: no decoding, no packet counting) and checks them against
/// <see cref="VideoLimits"/>. Everything wrong with the file itself is a <see cref="VideoRejectedException"/> with field
/// <c>video</c>.
/// </summary>
/// <remarks>
/// Strict on purpose: a file ffprobe reports any error for (a truncated MP4 says "partial file") is refused, and only
/// the containers in <see cref="AcceptedFormats"/> are accepted, so playlists and concat scripts (which make ffmpeg
/// open other files) and still images never reach the decoder. ffprobe is also limited to the <c>file</c> protocol.
/// Thread-safe.
/// </remarks>
public sealed class VideoProbe
{
    /// <summary>
    /// The containers accepted, as ffmpeg names its demuxers: MP4/MOV, Matroska/WebM, AVI, MPEG-TS, MPEG-PS, Ogg, FLV,
    /// ASF (WMV) and animated GIF.
    /// </summary>
    public static readonly IReadOnlySet<string> AcceptedFormats = new HashSet<string>(StringComparer.Ordinal)
    {
        "mov", "mp4", "matroska", "webm", "avi", "mpegts", "mpeg", "ogg", "flv", "asf", "gif",
    };

    private readonly FfmpegTool tool;

    /// <summary>Creates a probe that runs ffprobe through <paramref name="tool"/>.</summary>
    public VideoProbe(FfmpegTool tool)
    {
        this.tool = tool;
    }

    /// <summary>
    /// Checks the file's size, probes it and checks what it holds against <paramref name="limits"/>: the one call the
    /// server makes on an upload before it plans anything.
    /// </summary>
    /// <exception cref="VideoRejectedException">Field <c>video</c>: too big, unreadable, not a video, or over a limit.</exception>
    public async Task<VideoInfo> InspectAsync(string path, VideoLimits limits, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"no video file at {path}", path);
        }
        if (file.Length > limits.MaxBytes)
        {
            throw new VideoRejectedException("video", $"the file is {file.Length} bytes, over the limit of {limits.MaxBytes}");
        }
        if (file.Length == 0)
        {
            throw new VideoRejectedException("video", "the file is empty");
        }
        var info = await ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        Check(info, limits);
        return info;
    }

    /// <summary>Probes the file: its first video stream (cover art is not one), its audio, its container.</summary>
    /// <exception cref="VideoRejectedException">Field <c>video</c>: ffprobe cannot read it, reports errors, or finds no video stream.</exception>
    /// <exception cref="VideoToolTimeoutException">ffprobe ran past the tool's time limit.</exception>
    public async Task<VideoInfo> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = Path.GetFullPath(path);
        string json, errors;
        try
        {
            (json, errors) = await tool.RunFfprobeWithErrorsAsync(
                ["-protocol_whitelist", "file", "-print_format", "json", "-show_streams", "-show_format", "-i", "file:" + fullPath],
                cancellationToken).ConfigureAwait(false);
        }
        catch (VideoToolException e) when (e is not VideoToolTimeoutException && e.InnerException is null)
        {
            throw new VideoRejectedException("video", "is not a readable video" + ToolMessages.FirstLine(e.StandardError, fullPath));
        }
        if (!string.IsNullOrWhiteSpace(errors))
        {
            // ffprobe exits 0 on a truncated MP4 but reports it ("partial file", "Invalid NAL unit size") at level error.
            throw new VideoRejectedException("video", "is damaged or truncated" + ToolMessages.FirstLine(errors, fullPath));
        }
        return Parse(json);
    }

    /// <summary>
    /// Checks probed facts against <paramref name="limits"/>: accepted container, frame size (the decompression-bomb
    /// guard), frame rate, duration and frame count. Pure; <see cref="InspectAsync"/> calls it.
    /// </summary>
    /// <exception cref="VideoRejectedException">Field <c>video</c>, naming the first limit broken.</exception>
    public static void Check(VideoInfo info, VideoLimits limits)
    {
        var formats = info.FormatName.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!formats.Any(AcceptedFormats.Contains))
        {
            throw new VideoRejectedException("video",
                $"the container '{info.FormatName}' is not accepted (accepted: {string.Join(", ", AcceptedFormats.Order(StringComparer.Ordinal))})");
        }
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new VideoRejectedException("video", "the frame size cannot be read");
        }
        if ((long)info.Width * info.Height > limits.MaxPixelsPerFrame)
        {
            throw new VideoRejectedException("video",
                $"the frame size {info.Width}×{info.Height} is over the limit of {limits.MaxPixelsPerFrame} pixels a frame");
        }
        if (double.IsNaN(info.FramesPerSecond) || info.FramesPerSecond <= 0)
        {
            throw new VideoRejectedException("video", "the frame rate cannot be read");
        }
        if (info.FramesPerSecond < VideoLimits.MinFramesPerSecond || info.FramesPerSecond > limits.MaxFramesPerSecond)
        {
            throw new VideoRejectedException("video",
                $"the frame rate {info.FramesPerSecond:0.###} fps is outside {VideoLimits.MinFramesPerSecond}–{limits.MaxFramesPerSecond} fps");
        }
        if (info.Duration <= TimeSpan.Zero)
        {
            throw new VideoRejectedException("video", "the duration cannot be read");
        }
        if (info.Duration.TotalSeconds > limits.MaxDurationSeconds)
        {
            throw new VideoRejectedException("video",
                $"the duration {info.Duration.TotalSeconds:0.###} s is over the limit of {limits.MaxDurationSeconds} s");
        }
        if (info.FrameCount > limits.MaxFrames)
        {
            throw new VideoRejectedException("video", $"the video has {info.FrameCount} frames, over the limit of {limits.MaxFrames}");
        }
        if (info.FrameCount <= 0)
        {
            throw new VideoRejectedException("video", "the video has no frames");
        }
    }

    /// <summary>Reads ffprobe's JSON (<c>-show_streams -show_format</c>) into a <see cref="VideoInfo"/>.</summary>
    internal static VideoInfo Parse(string json)
    {
        using var document = ParseJson(json);
        var root = document.RootElement;
        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
        var video = streams.FirstOrDefault(stream => Text(stream, "codec_type") == "video" && !IsAttachedPicture(stream));
        if (video.ValueKind != JsonValueKind.Object)
        {
            throw new VideoRejectedException("video", "has no video stream");
        }
        var hasAudio = streams.Any(stream => Text(stream, "codec_type") == "audio");
        var format = root.TryGetProperty("format", out var f) ? f : default;
        var formatName = format.ValueKind == JsonValueKind.Object ? Text(format, "format_name") ?? "" : "";

        var width = Integer(video, "width") ?? 0;
        var height = Integer(video, "height") ?? 0;
        if (Math.Abs(Rotation(video)) % 180 == 90)
        {
            (width, height) = (height, width);
        }
        var fps = Rational(Text(video, "avg_frame_rate"));
        if (!(fps > 0))
        {
            fps = Rational(Text(video, "r_frame_rate"));
        }
        var seconds = Number(video, "duration") ?? (format.ValueKind == JsonValueKind.Object ? Number(format, "duration") : null);
        var frames = Integer(video, "nb_frames") ?? 0;
        if (frames <= 0 && seconds is > 0 && fps > 0)
        {
            frames = (long)Math.Round(seconds.Value * fps);
        }
        if (seconds is null or <= 0 && frames > 0 && fps > 0)
        {
            seconds = frames / fps;
        }
        var duration = seconds is > 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds.Value) : TimeSpan.Zero;
        return new VideoInfo(
            (int)Math.Clamp(width, 0, int.MaxValue), (int)Math.Clamp(height, 0, int.MaxValue), frames, fps, duration, hasAudio,
            Text(video, "codec_name") ?? "", formatName);
    }

    private static JsonDocument ParseJson(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new VideoRejectedException("video", "is not a readable video (ffprobe printed no usable description)");
        }
    }

    private static bool IsAttachedPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out var disposition) && disposition.ValueKind == JsonValueKind.Object
        && Integer(disposition, "attached_pic") == 1;

    /// <summary>The display rotation in degrees: the display matrix side data (ffmpeg 5+), else the old <c>rotate</c> tag.</summary>
    private static double Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var sideData) && sideData.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (Number(item, "rotation") is { } rotation)
                {
                    return Math.Round(rotation);
                }
            }
        }
        return stream.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object && Number(tags, "rotate") is { } rotate
            ? Math.Round(rotate)
            : 0;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static double? Number(JsonElement element, string name) =>
        double.TryParse(Text(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : null;

    private static long? Integer(JsonElement element, string name) =>
        long.TryParse(Text(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>ffprobe's rational ("30000/1001", "24/1", "0/0") as a number; NaN when it has none.</summary>
    internal static double Rational(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return double.NaN;
        }
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? plain : double.NaN;
        }
        return long.TryParse(text.AsSpan(0, slash), NumberStyles.Integer, CultureInfo.InvariantCulture, out var numerator)
            && long.TryParse(text.AsSpan(slash + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var denominator)
            && denominator != 0
                ? (double)numerator / denominator
                : double.NaN;
    }
}
