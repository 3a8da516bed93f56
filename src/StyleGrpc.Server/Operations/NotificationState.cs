namespace StyleGrpc.Server.Operations;

/// <summary>Where a completion webhook's delivery is.</summary>
public enum NotificationState
{
    /// <summary>The job has not ended, or an attempt is due.</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>No attempt succeeded within the retry time.</summary>
    Failed,
}
