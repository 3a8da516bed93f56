namespace StyleGrpc.Server.Settings;

/// <summary>
/// SubmitStylizeVideo, <c>StyleGrpc:Video</c>: where ffmpeg is, and the most a video may be. Every limit is checked from the
/// file's own description (ffprobe) before a frame is decoded, and again while decoding.
/// </summary>
public sealed class VideoOptions
{
    /// <summary>The ffmpeg program (a name on PATH or a path). Default "ffmpeg".</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>The ffprobe program. Default "ffprobe".</summary>
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>
    /// Largest video file, in bytes (at most 1 GiB): sent inside the request (then also within
    /// <see cref="StyleGrpcServerOptions.MaxRequestBytes"/>) or uploaded in pieces first (UploadVideo). A job holds its file
    /// in memory while it waits and runs. Default 128 MiB.
    /// </summary>
    public long MaxBytes { get; set; } = 128 * 1024 * 1024;

    /// <summary>How long an upload (UploadVideo) is kept for jobs to name it, in seconds (60 to 7 days). Default 3600.</summary>
    public int UploadRetentionSeconds { get; set; } = 3600;

    /// <summary>Longest video (or range of it), in seconds. Default 120.</summary>
    public double MaxDurationSeconds { get; set; } = 120;

    /// <summary>Most frames a job stylises. Default 3600 (two minutes at 30 frames per second).</summary>
    public int MaxFrames { get; set; } = 3600;

    /// <summary>
    /// Largest input frame, width × height, as its header says (and as ffmpeg's decoder is held to). Default 3840 × 2160:
    /// phones film in 4K; frames are shrunk to at most <see cref="StyleGrpcServerOptions.TileAbove"/> as they are decoded.
    /// </summary>
    public long MaxPixelsPerFrame { get; set; } = 3840L * 2160;

    /// <summary>Longest any one ffmpeg or ffprobe run may take, in seconds; it is killed after. Default 600.</summary>
    public int ToolTimeoutSeconds { get; set; } = 600;

    /// <summary>Finished frames encoded and stored together (one stored part); a resumed job redoes none of them. Default 12.</summary>
    public int PartFrames { get; set; } = 12;

    /// <summary>
    /// Largest result sent inside the operation's <c>VideoResult.video</c>, in bytes; a larger one is stored in chunks and
    /// read with ReadVideoResult, so neither the server nor a client holds it whole in one message. Default 3 MiB (under
    /// the 4 MiB a gRPC client receives by default, with room for the rest of the operation).
    /// </summary>
    public long InlineResultBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>
    /// The size the optical flow between frames is found at, as a fraction of the frames' (0.05–1): ½ costs about a
    /// quarter of 1 (20 against 76 ms of CPU a frame pair at 512×288 here) and follows motion a little less closely
    /// (docs/performance.md, "Video"). Default 1.
    /// </summary>
    public double FlowScale { get; set; } = 1;
}
