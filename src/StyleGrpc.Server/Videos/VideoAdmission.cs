using Microsoft.Extensions.Options;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// What a video upload is, found out once when it is submitted: its file checked against the limits (ffprobe), its decode
/// worked out, and its first frame (the plan of every frame is made from it). The limits in force are the settings' (see
/// <see cref="VideoOptions"/>), with frames no larger than the size above which pictures are tiled.
/// </summary>
public sealed class VideoAdmission(IOptions<StyleGrpcServerOptions> options, ILogger<VideoAdmission> logger)
{
    private readonly Lazy<bool> available = new(() =>
    {
        var video = options.Value.Video;
        var missing = new[]
        {
            Probe(video.FfmpegPath) ? null : $"{video.FfmpegPath} does not run (StyleGrpc:Video:FfmpegPath)",
            Probe(video.FfprobePath) ? null : $"{video.FfprobePath} does not run (StyleGrpc:Video:FfprobePath)",
            Video.Flow.OpticalFlow.IsAvailable() ? null : "OpenCV's native library does not load (it needs libgtk-3-0 and libatomic1)",
        }.OfType<string>().ToList();
        if (missing.Count > 0)
        {
            ServerLog.VideosOff(logger, string.Join("; ", missing));
        }
        return missing.Count == 0;
    });

    /// <summary>The limits videos are checked against.</summary>
    public VideoLimits Limits
    {
        get
        {
            var o = options.Value;
            return new VideoLimits
            {
                MaxBytes = o.Video.MaxBytes,
                MaxDurationSeconds = o.Video.MaxDurationSeconds,
                MaxFrames = o.Video.MaxFrames,
                MaxPixelsPerFrame = o.Video.MaxPixelsPerFrame,
                // Frames are never tiled: the temporal guide follows one whole frame.
                MaxSide = Math.Min(o.MaxSide, o.TileAbove),
                ToolTimeoutSeconds = o.Video.ToolTimeoutSeconds,
            };
        }
    }

    /// <summary>True when ffmpeg and ffprobe run here and OpenCV's native library loads (looked up once).</summary>
    public bool Available => available.Value;

    /// <summary>Runs ffmpeg and ffprobe with the settings' paths and the limits' time limit.</summary>
    public FfmpegTool Tool => FfmpegTool.For(Limits, options.Value.Video.FfmpegPath, options.Value.Video.FfprobePath);

    /// <summary>
    /// Checks the uploaded file and works out its decode; gives the range's first frame at the frames' size.
    /// </summary>
    /// <param name="video">The file.</param>
    /// <param name="decode">The decode the request asks for.</param>
    /// <param name="field">The request field the file came in (<c>video</c> or <c>video_upload</c>), named when it is at fault.</param>
    /// <param name="cancellationToken">Stops the inspection.</param>
    /// <exception cref="VideoRejectedException">The field at fault: <paramref name="field"/>, <c>max_side</c>, <c>frame_rate</c> or <c>frame_range</c>.</exception>
    /// <exception cref="PreconditionFailedException">This server has no ffmpeg.</exception>
    public async Task<(VideoDecodePlan Decode, RgbImage FirstFrame)> InspectAsync(ReadOnlyMemory<byte> video, VideoDecodeOptions decode, string field,
        CancellationToken cancellationToken)
    {
        if (!Available)
        {
            throw new PreconditionFailedException("video",
                "this server cannot stylise videos: ffmpeg or ffprobe does not run, or OpenCV's native library does not load (its log says which)");
        }
        var limits = Limits;
        var tool = Tool;
        var folder = Directory.CreateTempSubdirectory("stylegrpc-upload-");
        try
        {
            var path = Path.Combine(folder.FullName, "video");
            await File.WriteAllBytesAsync(path, video, cancellationToken).ConfigureAwait(false);
            var info = await new VideoProbe(tool).InspectAsync(path, limits, cancellationToken).ConfigureAwait(false);
            var plan = VideoDecodePlan.Create(info, decode, limits);
            await foreach (var frame in new VideoDecoder(tool).ReadFramesAsync(path, plan with { Range = new FrameRange(plan.Range.First, 1) }, cancellationToken)
                .ConfigureAwait(false))
            {
                return (plan, frame);
            }
            throw new VideoRejectedException(field, $"no frame could be decoded at frame {plan.Range.First}");
        }
        catch (VideoToolTimeoutException)
        {
            throw new VideoRejectedException(field, $"reading it took longer than {limits.ToolTimeoutSeconds} s");
        }
        catch (VideoRejectedException ex) when (ex.Field == "video" && field != "video")
        {
            // The media code names the file "video"; it came in another field.
            throw new VideoRejectedException(field, ex.Reason);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // Whether the program starts and answers -version.
    private static bool Probe(string program)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, "-version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }
            process.StandardOutput.ReadToEnd();
            return process.WaitForExit(10_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
