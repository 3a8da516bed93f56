using System.Globalization;
using System.Runtime.CompilerServices;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Media;

/// <summary>
/// Decodes a video's frames as 8-bit RGB through ffmpeg (<c>-f rawvideo -pix_fmt rgb24 pipe:1</c>), one frame at a
/// time: memory holds the frame being handed out and the pipe's buffer, whatever the video's length.
/// </summary>
/// <remarks>Thread-safe: each call runs its own ffmpeg.</remarks>
public sealed class VideoDecoder
{
    private readonly FfmpegTool tool;

    /// <summary>Creates a decoder that runs ffmpeg through <paramref name="tool"/>.</summary>
    public VideoDecoder(FfmpegTool tool)
    {
        this.tool = tool;
    }

    /// <summary>
    /// The frames of <paramref name="path"/> as <paramref name="plan"/> says: <see cref="VideoDecodePlan.Size"/>, in
    /// <see cref="VideoDecodePlan.Range"/>, resampled when <see cref="VideoDecodePlan.Resample"/>. ffmpeg applies the
    /// rotation tag, then the rate change, then the range (exact frame counting: it decodes from the start, it does
    /// not seek), then the scaling (area averaging).
    /// </summary>
    /// <remarks>
    /// The tool's time limit counts only while this waits for ffmpeg, not while the caller works on a frame between
    /// two <c>MoveNextAsync</c> calls. Stopping the enumeration early kills ffmpeg.
    /// </remarks>
    /// <exception cref="VideoRejectedException">Field <c>video</c>: ffmpeg failed to decode it, or it holds more than <see cref="VideoDecodePlan.MaxFrames"/> frames.</exception>
    /// <exception cref="VideoToolTimeoutException">ffmpeg used up its time limit.</exception>
    public async IAsyncEnumerable<RgbImage> ReadFramesAsync(string path, VideoDecodePlan plan,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var size = plan.Size;
        var frameBytes = size.RgbBytes;
        var maxFrames = (int)Math.Min(plan.MaxFrames, plan.Range.Count ?? int.MaxValue);
        await using var process = tool.StartFfmpeg(Arguments(path, plan), pipeInput: false, cancellationToken);
        var delivered = 0;
        while (true)
        {
            var pixels = new byte[frameBytes];
            int read;
            try
            {
                read = await process.Output.ReadAtLeastAsync(pixels, frameBytes, throwOnEndOfStream: false, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (IOException)
            {
                process.ThrowIfStopped();
                throw;
            }
            if (read < frameBytes)
            {
                var exitCode = await process.WaitForExitCodeAsync(cancellationToken).ConfigureAwait(false);
                process.ThrowIfStopped();
                if (exitCode != 0 || read != 0)
                {
                    throw new VideoRejectedException("video", "could not be decoded" + ToolMessages.FirstLine(process.StandardErrorTail, path));
                }
                yield break;
            }
            if (delivered == maxFrames)
            {
                // Asked for maxFrames + 1 frames of a file that should have no more than maxFrames.
                throw new VideoRejectedException("video", $"holds more than {plan.MaxFrames} frames");
            }
            delivered++;
            process.PauseClock();
            yield return new RgbImage(size.Width, size.Height, pixels);
            process.ResumeClock();
        }
    }

    /// <summary>The ffmpeg arguments of a decode (after the common ones).</summary>
    internal static List<string> Arguments(string path, VideoDecodePlan plan)
    {
        var filters = new List<string>();
        if (plan.Resample)
        {
            filters.Add("fps=fps=" + Number(plan.FramesPerSecond));
        }
        if (!plan.Range.IsAll)
        {
            var trim = "trim=start_frame=" + plan.Range.First.ToString(CultureInfo.InvariantCulture);
            if (plan.Range.Count is { } count)
            {
                trim += ":end_frame=" + (plan.Range.First + (long)count).ToString(CultureInfo.InvariantCulture);
            }
            filters.Add(trim);
            filters.Add("setpts=PTS-STARTPTS");
        }
        filters.Add($"scale={plan.Size.Width}:{plan.Size.Height}:flags=area");
        filters.Add("format=rgb24");
        // One more than the cap: a file holding more frames than it claimed is seen, and refused.
        var frameCap = Math.Min(plan.MaxFrames, plan.Range.Count ?? int.MaxValue) + 1L;
        return
        [
            "-max_pixels", plan.MaxPixelsPerFrame.ToString(CultureInfo.InvariantCulture),
            "-protocol_whitelist", "file",
            "-i", "file:" + Path.GetFullPath(path),
            "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", string.Join(',', filters),
            "-fps_mode", "passthrough",
            "-frames:v", frameCap.ToString(CultureInfo.InvariantCulture),
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
        ];
    }

    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
