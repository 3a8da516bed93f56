namespace StyleGrpc.Client;

/// <summary>
/// Where a training is: the metadata of its operation. <see cref="Iteration"/> of <see cref="TotalIterations"/> batches with
/// the latest batch's <see cref="Losses"/>, <see cref="Elapsed"/> training time and <see cref="Eta"/>; <see cref="Attempt"/> is 1
/// for the first run and grows each time it resumes from a checkpoint (<see cref="ResumedFromIteration"/>, 0 if never).
/// <see cref="Notification"/> is the delivery of its completion webhook; null when it has none.
/// </summary>
public sealed record TrainingStatus(
    string JobId,
    string StyleId,
    JobState State,
    int QueuePosition,
    int Iteration,
    int TotalIterations,
    LossValues? Losses,
    TimeSpan Elapsed,
    TimeSpan Eta,
    int Attempt,
    int ResumedFromIteration,
    int CheckpointIteration,
    string Replica,
    DateTimeOffset CreateTime,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    NotificationStatus? Notification = null);
