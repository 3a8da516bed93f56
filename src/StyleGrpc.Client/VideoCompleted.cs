namespace StyleGrpc.Client;

/// <summary>
/// A stylised video: the last frame of a video job's stream (<see cref="StyleGrpcClient.WatchStylizeAsync"/>) and what
/// <see cref="StyleGrpcClient.StylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, IProgress{VideoProgress}?, DateTime?, CancellationToken)"/> returns.
/// </summary>
/// <param name="JobId">The job's ID.</param>
/// <param name="Video">The encoded video, in <see cref="Format"/>; empty when <see cref="Chunked"/> (read it with
/// <see cref="StyleGrpcClient.ReadVideoResultAsync"/>).</param>
/// <param name="Format">Its container and codecs.</param>
/// <param name="Frames">Frames in the video.</param>
/// <param name="Width">Frame width, in pixels.</param>
/// <param name="Height">Frame height, in pixels.</param>
/// <param name="FrameRate">Frames per second.</param>
/// <param name="HasAudio">True when the source's audio was kept.</param>
/// <param name="Method">How the frames were made.</param>
/// <param name="TemporalWeight">The temporal weight used.</param>
/// <param name="FinalLosses">Losses of the last frame (optimisation only; zeros for feed-forward).</param>
/// <param name="QueueTime">Time the job waited in the queue.</param>
/// <param name="RunTime">Time it ran.</param>
/// <param name="Attempts">Runs it took: 1, more when it was resumed from a checkpoint after a restart.</param>
/// <param name="Reproducibility">Every parameter the server used, field name → value.</param>
public sealed record VideoCompleted(
    string JobId,
    byte[] Video,
    VideoFormat Format,
    int Frames,
    int Width,
    int Height,
    double FrameRate,
    bool HasAudio,
    StylizeMethod Method,
    double TemporalWeight,
    LossValues FinalLosses,
    TimeSpan QueueTime,
    TimeSpan RunTime,
    int Attempts,
    IReadOnlyDictionary<string, string> Reproducibility) : StylizeUpdate
{
    /// <summary>The encoded video's size in bytes, inline or not (by default, <see cref="Video"/>'s length).</summary>
    public long VideoSize { get; init; } = Video.Length;

    /// <summary>
    /// True when the video is larger than the server sends inline (<see cref="ServerVideoLimits"/>): <see cref="Video"/> is empty and
    /// <see cref="StyleGrpcClient.ReadVideoResultAsync"/> writes it where it should go, a chunk at a time.
    /// </summary>
    public bool Chunked { get; init; }
}
