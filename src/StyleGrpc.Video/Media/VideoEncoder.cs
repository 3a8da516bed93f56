using System.Globalization;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Media;

/// <summary>
/// Encodes RGB frames into a video file as they come, piping them to ffmpeg's standard input (<c>rgb24</c>): memory
/// holds no more than the frame being written. <c>await using</c> it; call <see cref="CompleteAsync"/> to finish the
/// file. Disposed without completing, it kills ffmpeg and deletes the unfinished file, so a file that exists is whole.
/// </summary>
/// <remarks>
/// Not thread-safe: one writer. The tool's time limit counts only while a write or the completion waits on ffmpeg, not
/// the time between frames. For a job that must survive a crash, write short parts (<see cref="VideoAssembler"/>).
/// </remarks>
public sealed class VideoEncoder : IAsyncDisposable
{
    private readonly ToolProcess process;
    private readonly string outputPath;
    private bool completed;
    private bool broken;

    private VideoEncoder(ToolProcess process, string outputPath, VideoContainer container, FrameSize size, double framesPerSecond)
    {
        this.process = process;
        this.outputPath = outputPath;
        Container = container;
        Size = size;
        FramesPerSecond = framesPerSecond;
    }

    /// <summary>The output format.</summary>
    public VideoContainer Container { get; }

    /// <summary>The frames' size; every frame written must have it.</summary>
    public FrameSize Size { get; }

    /// <summary>The frame rate written into the file, frames per second.</summary>
    public double FramesPerSecond { get; }

    /// <summary>Frames written so far.</summary>
    public int FramesWritten { get; private set; }

    /// <summary>Starts ffmpeg writing <paramref name="outputPath"/> (replaced if it exists).</summary>
    /// <param name="tool">Runs ffmpeg.</param>
    /// <param name="outputPath">The file to write; its extension does not matter, the format is <paramref name="container"/>.</param>
    /// <param name="container">The format.</param>
    /// <param name="size">The frames' size: both sides even (yuv420p), as <see cref="FrameSize.Fit"/> gives.</param>
    /// <param name="framesPerSecond">The frame rate, frames per second.</param>
    /// <param name="cancellationToken">For the encoder's whole life: cancelling it kills ffmpeg.</param>
    /// <exception cref="ArgumentException">An odd or non-positive side, or a frame rate that is not positive.</exception>
    public static VideoEncoder Start(FfmpegTool tool, string outputPath, VideoContainer container, FrameSize size,
        double framesPerSecond, CancellationToken cancellationToken)
    {
        if (size.Width < 2 || size.Height < 2 || size.Width % 2 != 0 || size.Height % 2 != 0)
        {
            throw new ArgumentException($"size must have even sides of 2 or more pixels (got {size})", nameof(size));
        }
        if (!double.IsFinite(framesPerSecond) || framesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "framesPerSecond must be positive");
        }
        var fullPath = Path.GetFullPath(outputPath);
        List<string> arguments =
        [
            "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-video_size", $"{size.Width.ToString(CultureInfo.InvariantCulture)}x{size.Height.ToString(CultureInfo.InvariantCulture)}",
            "-framerate", VideoDecoder.Number(framesPerSecond),
            "-i", "pipe:0",
            "-map", "0:v:0",
            .. VideoCodecArguments(container),
            "-f", Muxer(container),
            "-y", "file:" + fullPath,
        ];
        var process = tool.StartFfmpeg(arguments, pipeInput: true, cancellationToken);
        process.PauseClock();
        return new VideoEncoder(process, fullPath, container, size, framesPerSecond);
    }

    /// <summary>Writes one frame.</summary>
    /// <exception cref="ArgumentException">The frame's size is not <see cref="Size"/>.</exception>
    /// <exception cref="InvalidOperationException">The encoder is completed or broken by an earlier failure.</exception>
    /// <exception cref="VideoToolException">ffmpeg stopped (its error in the message).</exception>
    public async Task WriteAsync(RgbImage frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != Size.Width || frame.Height != Size.Height)
        {
            throw new ArgumentException($"frame is {frame.Width}×{frame.Height}, the encoder writes {Size}", nameof(frame));
        }
        ThrowIfUnusable();
        process.ResumeClock();
        try
        {
            await process.Input.WriteAsync(frame.Pixels, cancellationToken).ConfigureAwait(false);
            FramesWritten++;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            broken = true;
            await ThrowFailureAsync(e).ConfigureAwait(false);
            throw;
        }
        finally
        {
            process.PauseClock();
        }
    }

    /// <summary>Ends the input and waits for ffmpeg to finish the file.</summary>
    /// <exception cref="InvalidOperationException">No frame was written, or the encoder is completed or broken.</exception>
    /// <exception cref="VideoToolException">ffmpeg failed.</exception>
    /// <exception cref="VideoToolTimeoutException">ffmpeg used up its time limit.</exception>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        if (FramesWritten == 0)
        {
            throw new InvalidOperationException("no frame was written; a video needs at least one");
        }
        process.ResumeClock();
        try
        {
            await process.Input.FlushAsync(cancellationToken).ConfigureAwait(false);
            process.CloseInput();
            await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            completed = true;
        }
        catch
        {
            broken = true;
            throw;
        }
    }

    /// <summary>Kills ffmpeg if it still runs; deletes the file unless <see cref="CompleteAsync"/> succeeded.</summary>
    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync().ConfigureAwait(false);
        if (!completed)
        {
            try
            {
                File.Delete(outputPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind: the caller's folder, the caller's clean-up.
            }
        }
    }

    /// <summary>The video codec options of <paramref name="container"/>: codec, pixel format, quality, speed, muxer flags.</summary>
    internal static IReadOnlyList<string> VideoCodecArguments(VideoContainer container) => container switch
    {
        VideoContainer.Mp4H264 =>
        [
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", "-preset", "veryfast",
            "-movflags", "+faststart",
        ],
        VideoContainer.WebmVp9 =>
        [
            "-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-crf", "32", "-b:v", "0",
            "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1",
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(container), container, "unknown video container"),
    };

    /// <summary>ffmpeg's muxer for <paramref name="container"/> (<c>-f</c>): the format does not depend on the file's extension.</summary>
    internal static string Muxer(VideoContainer container) => container switch
    {
        VideoContainer.Mp4H264 => "mp4",
        VideoContainer.WebmVp9 => "webm",
        _ => throw new ArgumentOutOfRangeException(nameof(container), container, "unknown video container"),
    };

    private void ThrowIfUnusable()
    {
        if (completed)
        {
            throw new InvalidOperationException("the encoder is completed");
        }
        if (broken)
        {
            throw new InvalidOperationException("the encoder failed earlier; dispose it");
        }
    }

    private async Task ThrowFailureAsync(Exception cause)
    {
        process.ThrowIfStopped();
        if (cause is OperationCanceledException)
        {
            return;
        }
        // ffmpeg closed its input: it has exited or is exiting, its reason on standard error. A short grace, then a kill.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitCodeAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }
        process.ThrowIfStopped();
        throw new VideoToolException("ffmpeg", "stopped reading frames", process.StandardErrorTail, cause);
    }
}
