namespace StyleGrpc.Server.Operations;

/// <summary>
/// A job's completion webhook and where its delivery is, kept with the job's record: any replica delivers it once the job
/// has ended, and a restart or a lost replica loses nothing. Changed only through <see cref="IJobStore.SaveNotificationAsync"/>
/// once the job is stored.
/// </summary>
public sealed record JobNotification
{
    public required string Url { get; init; }

    public NotificationState State { get; init; } = NotificationState.Pending;

    /// <summary>Delivery attempts made so far.</summary>
    public int Attempts { get; init; }

    /// <summary>When the next attempt is due; null = at the job's end (no attempt has failed yet).</summary>
    public DateTimeOffset? NextAttemptTime { get; init; }

    /// <summary>Why the latest attempt failed; null when none did.</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? DeliveredTime { get; init; }

    /// <summary>When a delivery of the job <paramref name="record"/> is due: pending and the job ended; null otherwise.</summary>
    public static DateTimeOffset? DueOf(JobRecord record) =>
        record is { Done: true, Notification: { State: NotificationState.Pending } n } ? n.NextAttemptTime ?? record.EndTime ?? record.CreateTime : null;
}
