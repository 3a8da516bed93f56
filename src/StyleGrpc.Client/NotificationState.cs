namespace StyleGrpc.Client;

/// <summary>Where the delivery of an operation's completion webhook is (<see cref="NotificationStatus.State"/>).</summary>
public enum NotificationState
{
    /// <summary>The server did not say (an older server).</summary>
    Unspecified,

    /// <summary>The operation has not ended yet, or a delivery attempt is due (<see cref="NotificationStatus.NextAttemptTime"/>).</summary>
    Pending,

    /// <summary>The receiver answered 2xx (<see cref="NotificationStatus.DeliveredTime"/>).</summary>
    Delivered,

    /// <summary>No attempt succeeded within the server's retry time; it stopped trying (<see cref="NotificationStatus.LastError"/> says why the last one failed).</summary>
    Failed,
}
