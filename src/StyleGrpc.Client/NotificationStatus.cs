namespace StyleGrpc.Client;

/// <summary>
/// The delivery of an operation's completion webhook, as its metadata reports it: the operation is POSTed to <see cref="Url"/>
/// once it ends, signed, and retried until the receiver answers 2xx or the server's retry time (its <c>webhook_retry_hours</c>)
/// has passed (docs/http.md, "Webhooks").
/// </summary>
/// <param name="Url">Where the operation is POSTed: the request's <see cref="StylizeOptions.NotifyUrl"/>, else the caller's default the server holds.</param>
/// <param name="State">Pending, delivered or failed.</param>
/// <param name="Attempts">Delivery attempts made so far (0 until the operation has ended).</param>
/// <param name="LastError">Why the latest attempt failed (an HTTP status, a timeout, a refused address); empty when none failed.</param>
/// <param name="DeliveredTime">When the receiver answered 2xx; null until then.</param>
/// <param name="NextAttemptTime">When the next attempt is due, while <see cref="NotificationState.Pending"/> after a failed attempt; null otherwise.</param>
public sealed record NotificationStatus(
    string Url,
    NotificationState State,
    int Attempts,
    string LastError,
    DateTimeOffset? DeliveredTime,
    DateTimeOffset? NextAttemptTime);
