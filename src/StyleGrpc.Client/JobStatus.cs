namespace StyleGrpc.Client;

/// <summary>
/// Where a submitted job is: the metadata of its operation. <see cref="QueuePosition"/> is 1-based (0 when not queued);
/// <see cref="Iteration"/> counts iterations over all levels; <see cref="Attempt"/> is 1 for the first run and grows each time
/// the job is resumed from a checkpoint (<see cref="ResumedFromIteration"/>, 0 if never); <see cref="CheckpointIteration"/> is the
/// iteration of the last checkpoint safely written (0 = none); <see cref="Replica"/> is the running replica's <c>host:port</c>
/// (empty while queued or ended).
/// <see cref="Notification"/> is the delivery of its completion webhook; null when it has none.
/// </summary>
public sealed record JobStatus(
    string JobId,
    JobState State,
    int QueuePosition,
    int Iteration,
    int TotalIterations,
    int Level,
    int Levels,
    LossValues? Losses,
    int Attempt,
    int ResumedFromIteration,
    int CheckpointIteration,
    string Replica,
    DateTimeOffset CreateTime,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    NotificationStatus? Notification = null);
