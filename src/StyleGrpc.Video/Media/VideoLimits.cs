namespace StyleGrpc.Video.Media;

/// <summary>
/// What an uploaded video may be: checked by <see cref="VideoProbe.Check"/> before anything decodes it. Bind it from
/// configuration and check <see cref="Validate"/> at start.
/// </summary>
public sealed record VideoLimits
{
    /// <summary>Largest file, bytes; default 64 MiB.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Longest duration, seconds; default 120.</summary>
    public double MaxDurationSeconds { get; init; } = 120;

    /// <summary>Most frames (as probed, and as decoded: decoding stops past it); default 3600.</summary>
    public int MaxFrames { get; init; } = 3600;

    /// <summary>
    /// Largest source frame, pixels (width × height), the guard against decompression bombs (a tiny file claiming a
    /// 16000×16000 frame); default 3840 × 2160, so 4K and 1080p phone videos are accepted and shrunk on decoding to
    /// <see cref="MaxSide"/>. Decoding 4K costs ffmpeg about 12 MB a frame, not us: we only ever hold the shrunk frames.
    /// </summary>
    public long MaxPixelsPerFrame { get; init; } = 3840L * 2160;

    /// <summary>Longest side of the decoded (processed) frames, pixels; default 1280. A larger request is refused (<c>max_side</c>).</summary>
    public int MaxSide { get; init; } = 1280;

    /// <summary>Highest frame rate, source or requested, frames per second; default 240. Below 0.1 is refused as well.</summary>
    public double MaxFramesPerSecond { get; init; } = 240;

    /// <summary>Each ffmpeg/ffprobe run's time limit, seconds (<see cref="FfmpegTool.TimeLimit"/>); default 600.</summary>
    public double ToolTimeoutSeconds { get; init; } = 600;

    /// <summary>The lowest frame rate accepted, source or requested: 0.1 frames per second.</summary>
    public const double MinFramesPerSecond = 0.1;

    /// <summary>Every problem with these limits, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxBytes <= 0)
        {
            problems.Add($"{nameof(MaxBytes)} must be positive (got {MaxBytes})");
        }
        if (!(MaxDurationSeconds > 0) || double.IsInfinity(MaxDurationSeconds))
        {
            problems.Add($"{nameof(MaxDurationSeconds)} must be a positive number of seconds (got {MaxDurationSeconds})");
        }
        if (MaxFrames <= 0)
        {
            problems.Add($"{nameof(MaxFrames)} must be positive (got {MaxFrames})");
        }
        if (MaxPixelsPerFrame <= 0)
        {
            problems.Add($"{nameof(MaxPixelsPerFrame)} must be positive (got {MaxPixelsPerFrame})");
        }
        if (MaxSide < 2)
        {
            problems.Add($"{nameof(MaxSide)} must be at least 2 pixels (got {MaxSide})");
        }
        if (!(MaxFramesPerSecond >= MinFramesPerSecond) || double.IsInfinity(MaxFramesPerSecond))
        {
            problems.Add($"{nameof(MaxFramesPerSecond)} must be at least {MinFramesPerSecond} (got {MaxFramesPerSecond})");
        }
        if (!(ToolTimeoutSeconds > 0) || double.IsInfinity(ToolTimeoutSeconds))
        {
            problems.Add($"{nameof(ToolTimeoutSeconds)} must be a positive number of seconds (got {ToolTimeoutSeconds})");
        }
        return problems;
    }
}
