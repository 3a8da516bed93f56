using System.Text;

namespace StyleGrpc.Video.Media;

/// <summary>
/// Runs ffmpeg and ffprobe: every run gets <c>-hide_banner -loglevel error</c> (ffmpeg also <c>-nostdin</c>), its
/// arguments through <see cref="System.Diagnostics.ProcessStartInfo.ArgumentList"/> (no shell, nothing quoted, so a
/// file name is never an option or a command), a time limit after which the whole process tree is killed
/// (<see cref="VideoToolTimeoutException"/>), a kill on cancellation, and the last
/// <see cref="StandardErrorTailChars"/> characters of standard error for error messages.
/// </summary>
/// <remarks>
/// <para>
/// Our own small wrapper rather than FFMpegCore or similar: we stream raw frames both ways through pipes with memory
/// bounded to a frame or two, need a hard time limit that kills, and want argument lists never passed through a
/// shell or a quoting step.
/// </para>
/// <para>Immutable and thread-safe; every run is its own process.</para>
/// </remarks>
public sealed class FfmpegTool
{
    /// <summary>How much of a tool's standard error is kept for messages: 4096 characters, the end of it.</summary>
    public const int StandardErrorTailChars = 4096;

    /// <summary>The most ffprobe may print before it is stopped as hostile: 4 MiB of JSON.</summary>
    internal const int MaxProbeOutputBytes = 4 * 1024 * 1024;

    /// <summary>Creates a tool runner.</summary>
    /// <param name="ffmpegPath">ffmpeg's path or name on PATH; default <c>ffmpeg</c>.</param>
    /// <param name="ffprobePath">ffprobe's path or name on PATH; default <c>ffprobe</c>.</param>
    /// <param name="timeLimit">
    /// Each run's time limit; default 600 s (<see cref="VideoLimits.ToolTimeoutSeconds"/>). Streaming runs count only the
    /// time the tool works while we wait on it, not the time the caller spends between frames.
    /// </param>
    public FfmpegTool(string ffmpegPath = "ffmpeg", string ffprobePath = "ffprobe", TimeSpan? timeLimit = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ffmpegPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(ffprobePath);
        var limit = timeLimit ?? TimeSpan.FromSeconds(new VideoLimits().ToolTimeoutSeconds);
        if (limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeLimit), limit, "timeLimit must be positive");
        }
        FfmpegPath = ffmpegPath;
        FfprobePath = ffprobePath;
        TimeLimit = limit;
    }

    /// <summary>A runner with the time limit of <paramref name="limits"/> (<see cref="VideoLimits.ToolTimeoutSeconds"/>).</summary>
    public static FfmpegTool For(VideoLimits limits, string ffmpegPath = "ffmpeg", string ffprobePath = "ffprobe") =>
        new(ffmpegPath, ffprobePath, TimeSpan.FromSeconds(limits.ToolTimeoutSeconds));

    /// <summary>ffmpeg's path or name on PATH.</summary>
    public string FfmpegPath { get; }

    /// <summary>ffprobe's path or name on PATH.</summary>
    public string FfprobePath { get; }

    /// <summary>Each run's time limit.</summary>
    public TimeSpan TimeLimit { get; }

    /// <summary>Runs ffmpeg to completion (its output goes to files named in <paramref name="arguments"/>).</summary>
    /// <param name="arguments">The arguments after the common ones, each one list entry.</param>
    /// <param name="cancellationToken">Kills ffmpeg and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="VideoToolTimeoutException">It ran past <see cref="TimeLimit"/>.</exception>
    /// <exception cref="VideoToolException">It exited with a non-zero code, or could not be started.</exception>
    public async Task RunFfmpegAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        await using var process = StartFfmpeg(arguments, pipeInput: false, cancellationToken);
        // Drained so a chatty run cannot block on a full pipe; ffmpeg writes its output to files.
        await process.Output.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs ffprobe and gives what it printed on standard output (UTF-8).</summary>
    /// <param name="arguments">The arguments after the common ones, each one list entry.</param>
    /// <param name="cancellationToken">Kills ffprobe and throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="VideoToolTimeoutException">It ran past <see cref="TimeLimit"/>.</exception>
    /// <exception cref="VideoToolException">It exited with a non-zero code, printed more than 4 MiB, or could not be started.</exception>
    public async Task<string> RunFfprobeAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        (await RunFfprobeWithErrorsAsync(arguments, cancellationToken).ConfigureAwait(false)).Output;

    /// <summary>As <see cref="RunFfprobeAsync"/>, also giving the end of what it wrote to standard error on success.</summary>
    internal async Task<(string Output, string StandardError)> RunFfprobeWithErrorsAsync(IReadOnlyList<string> arguments,
        CancellationToken cancellationToken)
    {
        await using var process = ToolProcess.Start("ffprobe", FfprobePath, ["-hide_banner", "-loglevel", "error", .. arguments],
            pipeInput: false, TimeLimit, cancellationToken);
        using var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await process.Output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (output.Length + read > MaxProbeOutputBytes)
                {
                    throw new VideoToolException("ffprobe", $"printed more than {MaxProbeOutputBytes} bytes", "");
                }
                output.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            process.ThrowIfStopped();
            throw;
        }
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        return (Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length), process.StandardErrorTail);
    }

    /// <summary>Starts ffmpeg with the common arguments; the caller streams through its pipes.</summary>
    internal ToolProcess StartFfmpeg(IReadOnlyList<string> arguments, bool pipeInput, CancellationToken cancellationToken) =>
        ToolProcess.Start("ffmpeg", FfmpegPath, ["-nostdin", "-hide_banner", "-loglevel", "error", .. arguments],
            pipeInput, TimeLimit, cancellationToken);
}
