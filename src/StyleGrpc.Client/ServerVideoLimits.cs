namespace StyleGrpc.Client;

/// <summary>
/// What the server accepts in <see cref="StyleGrpcClient.SubmitStylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, CancellationToken)"/> (<see cref="ServerDetails.Video"/>).
/// </summary>
/// <param name="Available">False when the server has no ffmpeg: video submissions are FAILED_PRECONDITION.</param>
/// <param name="MaxBytes">Largest video file, in bytes.</param>
/// <param name="MaxDurationSeconds">Longest video, in seconds.</param>
/// <param name="MaxFrames">Most frames in one job.</param>
/// <param name="MaxPixelsPerFrame">Largest decoded input frame, width × height.</param>
/// <param name="MaxFrameRate">Highest frame rate, of the source or asked for, in frames per second.</param>
/// <param name="MaxSide">Longest side of a stylised frame, in pixels.</param>
public sealed record ServerVideoLimits(bool Available, long MaxBytes, double MaxDurationSeconds, int MaxFrames, long MaxPixelsPerFrame, double MaxFrameRate, int MaxSide)
{
    /// <summary>Largest result sent inline (<see cref="VideoCompleted.Video"/>); a larger one is <see cref="VideoCompleted.Chunked"/>.</summary>
    public long InlineResultBytes { get; init; }

    /// <summary>How long an upload (<see cref="StyleGrpcClient.UploadVideoAsync"/>) is kept, in seconds.</summary>
    public long UploadRetentionSeconds { get; init; }
}
