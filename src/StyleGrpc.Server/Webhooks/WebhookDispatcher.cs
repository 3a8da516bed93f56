using Microsoft.Extensions.Options;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Webhooks;

/// <summary>
/// Delivers completion webhooks, on every replica alike: it asks the job store for due deliveries (<see
/// cref="IJobStore.ClaimDueNotificationsAsync"/>: no job is read that is not due, and a claimed one is no other replica's for
/// a lease), POSTs each ended operation (<see cref="WebhookPayload"/>, <see cref="WebhookSender"/>) and records the outcome with
/// the job: DELIVERED on a 2xx; else PENDING again after an exponential wait with jitter (<see cref="WebhookOptions.FirstRetrySeconds"/>
/// doubling up to <see cref="WebhookOptions.MaxRetrySeconds"/>), or FAILED once the next attempt would come later than
/// <see cref="WebhookOptions.RetryHours"/> after the job ended. The schedule is stored, not held in memory: a restart or another
/// replica goes on with it. Delivery is at least once (a replica that dies after the POST and before the write sends again).
/// </summary>
public sealed class WebhookDispatcher(IJobStore store, JobOperations operations, WebhookSender sender, ServerMetrics metrics, IOptions<StyleGrpcServerOptions> options,
    TimeProvider time, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int Batch = 16;
    private readonly WebhookOptions settings = options.Value.Webhooks;

    // Long enough for an attempt and its write: a claim outlives the attempt, so nobody else starts the same one meanwhile.
    private TimeSpan Lease => TimeSpan.FromSeconds(settings.TimeoutSeconds + 30);

    private TimeSpan PollInterval => TimeSpan.FromSeconds(Math.Clamp(settings.FirstRetrySeconds, 0.1, 1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<string> due = [];
            try
            {
                due = await store.ClaimDueNotificationsAsync(time.GetUtcNow(), Lease, Batch, stoppingToken).ConfigureAwait(false);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = stoppingToken }, async (id, token) =>
                {
                    try
                    {
                        await DeliverAsync(id, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested)
                    {
                        // One job's trouble (an unreadable record, the store failing mid-write) stops neither the others nor the
                        // host: its claim lapses with the lease and it is tried again.
                        ServerLog.WebhookDispatchFailed(logger, $"job {id}: {ex.Message}", ex);
                    }
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The store did not answer (Redis away, an I/O error): the claims lapse with their lease and are taken again.
                ServerLog.WebhookDispatchFailed(logger, ex.Message, ex);
            }
            if (due.Count < Batch)
            {
                try
                {
                    await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task DeliverAsync(string id, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (record?.Notification is not { State: NotificationState.Pending } notification || !record.Done)
        {
            // Gone, delivered meanwhile, or not ended: nothing is due.
            if (record?.Notification is { } current)
            {
                await store.SaveNotificationAsync(id, current, JobNotification.DueOf(record), cancellationToken).ConfigureAwait(false);
            }
            else if (record is null)
            {
                await store.SaveNotificationAsync(id, new JobNotification { Url = "" }, null, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        var attempt = notification.Attempts + 1;
        var body = WebhookPayload.Of(await operations.ViewAsync(record, cancellationToken).ConfigureAwait(false));
        var error = await sender.SendAsync(notification.Url, id, attempt, body, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        JobNotification next;
        DateTimeOffset? due = null;
        if (error is null)
        {
            next = notification with { State = NotificationState.Delivered, Attempts = attempt, DeliveredTime = now, NextAttemptTime = null };
            ServerLog.WebhookDelivered(logger, id, notification.Url, attempt);
            metrics.WebhookAttempted("delivered");
        }
        else
        {
            var at = now + Backoff(attempt);
            if (at > (record.EndTime ?? now) + TimeSpan.FromHours(settings.RetryHours))
            {
                next = notification with { State = NotificationState.Failed, Attempts = attempt, LastError = error, NextAttemptTime = null };
                ServerLog.WebhookFailed(logger, id, notification.Url, attempt, error);
                metrics.WebhookAttempted("failed");
            }
            else
            {
                next = notification with { Attempts = attempt, LastError = error, NextAttemptTime = at };
                due = at;
                ServerLog.WebhookRetrying(logger, id, attempt, notification.Url, error, at);
                metrics.WebhookAttempted("retry");
            }
        }
        await store.SaveNotificationAsync(id, next, due, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The wait after failed attempt <paramref name="attempts"/>: the first wait doubled per attempt, capped, with jitter (50–100 %).</summary>
    private TimeSpan Backoff(int attempts)
    {
        var seconds = Math.Min(settings.MaxRetrySeconds, settings.FirstRetrySeconds * Math.Pow(2, Math.Min(attempts - 1, 30)));
        return TimeSpan.FromSeconds(seconds * (0.5 + 0.5 * Random.Shared.NextDouble()));
    }
}
