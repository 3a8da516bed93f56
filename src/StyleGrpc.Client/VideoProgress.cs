namespace StyleGrpc.Client;

/// <summary>
/// Where a video job is, as <see cref="StyleGrpcClient.StylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, IProgress{VideoProgress}?, DateTime?, CancellationToken)"/> reports it: once when it is accepted (with its
/// <see cref="OperationName"/>), while it waits in the queue, when it starts, and after every stylised frame.
/// </summary>
/// <param name="OperationName">The job's operation, <c>operations/{job_id}</c>.</param>
/// <param name="State"><see cref="JobState.Queued"/> until it starts, then <see cref="JobState.Running"/>.</param>
/// <param name="QueuePosition">1-based while queued, else 0.</param>
/// <param name="FramesDone">Frames stylised so far (a resumed job counts those finished before it stopped).</param>
/// <param name="TotalFrames">Frames to stylise in all; 0 until the job starts.</param>
/// <param name="FramesPerSecond">Frames stylised per second since the current attempt started; 0 before the first frame.</param>
/// <param name="Elapsed">Time the current attempt has run.</param>
/// <param name="Eta">The server's estimate of the time left.</param>
/// <param name="Preview">The newest stylised frame (JPEG), at the output's size; null when this report has none.</param>
/// <param name="Sequence">The stream frame this report comes from (<see cref="StylizeUpdate.Sequence"/>).</param>
public sealed record VideoProgress(
    string OperationName,
    JobState State,
    int QueuePosition,
    int FramesDone,
    int TotalFrames,
    double FramesPerSecond,
    TimeSpan Elapsed,
    TimeSpan Eta,
    EncodedImage? Preview,
    long Sequence);
