namespace StyleGrpc.Client;

/// <summary>
/// Where a submitted video job is: the metadata of its operation. <see cref="FramesDone"/> of <see cref="TotalFrames"/>, stylised at
/// <see cref="FramesPerSecond"/> in this attempt; <see cref="Attempt"/> is 1 for the first run and grows each time the job is
/// resumed, from <see cref="ResumedFromFrame"/> (0 if never); <see cref="CheckpointFrame"/> is how many frames the last checkpoint
/// keeps; <see cref="Width"/> × <see cref="Height"/> is the output frame size (0 until planned).
/// <see cref="Notification"/> is the delivery of its completion webhook; null when it has none.
/// </summary>
public sealed record VideoJobStatus(
    string JobId,
    JobState State,
    int QueuePosition,
    int FramesDone,
    int TotalFrames,
    double FramesPerSecond,
    TimeSpan Elapsed,
    TimeSpan Eta,
    int Attempt,
    int ResumedFromFrame,
    int CheckpointFrame,
    string Replica,
    int Width,
    int Height,
    DateTimeOffset CreateTime,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    NotificationStatus? Notification = null);
