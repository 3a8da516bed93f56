using Microsoft.Extensions.Options;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// The one consumer of the <see cref="IJobQueue"/>, in process and on the fleet alike: while this process has a free slot
/// it takes the next job (round-robin across keys) or one whose replica stopped renewing its lease, and starts it through
/// <see cref="JobResumption"/> (as its next attempt from its checkpoint when it ran before). It renews the lease of the
/// jobs it runs, acknowledges each when it has ended, and hands back the ones it stops running when the process stops.
/// Admission was decided when the job was submitted; here only the slot is.
/// </summary>
public sealed class JobWorker(IJobQueue queue, IJobStore store, JobRunner runner, JobScheduler scheduler, JobJournal journal, JobResumption resumption,
    ModelHost model, ReplicaAddress replica, IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<JobWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly SemaphoreSlim wake = new(0);

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await model.GetEngineAsync(stoppingToken).ConfigureAwait(false);
        var consumer = replica.Value;
        // CancelOperation on any replica: the one running the job stops it within one iteration.
        await queue.SubscribeAsync(Wake, (id, reason) => runner.Find(id)?.Stop(reason)).ConfigureAwait(false);
        runner.JobEnded += _ => Wake();
        await queue.OpenAsync(stoppingToken).ConfigureAwait(false);
        using var renewal = new PeriodicTimer(Lease / 3, time);
        _ = RenewLeasesAsync(consumer, renewal, stoppingToken);
        while (!stoppingToken.IsCancellationRequested && !scheduler.IsStopping)
        {
            var took = false;
            if (scheduler.Running + scheduler.Waiting < options.Value.ConcurrentJobs)
            {
                try
                {
                    if (await queue.TryTakeAsync(model.Engine.Network.Info.Fingerprint, consumer, Lease).ConfigureAwait(false) is { } next)
                    {
                        took = true;
                        await StartAsync(next, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or Storage.StoreUnavailableException or IOException)
                {
                    ServerLog.FleetQueueUnavailable(logger, ex.Message);
                }
            }
            if (!took)
            {
                try
                {
                    await wake.WaitAsync(PollInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private void Wake()
    {
        if (wake.CurrentCount == 0)
        {
            wake.Release();
        }
    }

    private async Task StartAsync(QueuedJob entry, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(entry.JobId, cancellationToken).ConfigureAwait(false);
        var spec = record is null || record.Done ? null : await store.ReadSpecAsync(record, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Done)
        {
            // Deleted, or ended (cancelled while queued, or finished by a replica that lost its lease): nothing to run.
            await queue.AcknowledgeAsync(entry).ConfigureAwait(false);
            return;
        }
        var network = model.Engine.Network.Info.Fingerprint;
        if (spec is null || spec.Network != network)
        {
            // Its request is gone, or it was planned for the network another start served: it cannot run here, ever.
            var reason = spec is null ? "its request is missing" : $"it was planned for {spec.Network}, this server runs {network}";
            ServerLog.JobNotResumable(logger, record.Id, reason);
            await store.SaveAsync(record with
            {
                State = JobState.Failed,
                ErrorCode = (int)Grpc.Core.StatusCode.FailedPrecondition,
                ErrorMessage = $"the job cannot be resumed: {reason}",
                EndTime = time.GetUtcNow(),
            }, cancellationToken).ConfigureAwait(false);
            await queue.AcknowledgeAsync(entry).ConfigureAwait(false);
            return;
        }
        // A job that ran before (here before a restart, or elsewhere) or whose replica lost its lease is a new attempt.
        var resumed = entry.Origin == QueueOrigin.Claimed || record.StartTime is not null;
        var cause = entry.Origin switch
        {
            QueueOrigin.Claimed => "claimed",
            QueueOrigin.Restored => "restart",
            _ => "handed_back",
        };
        if (await resumption.StartAsync(record, spec, resumed, cause, taken => taken.Set(entry), cancellationToken).ConfigureAwait(false) is not { } job)
        {
            // Another replica (or this one, later) takes it.
            await queue.HandBackAsync(entry).ConfigureAwait(false);
            return;
        }
        _ = FinishAsync(job, entry);
    }

    // Once the job's end is written: acknowledged when it ended, handed back when this process stopped running it.
    private async Task FinishAsync(Job job, QueuedJob entry)
    {
        var final = journal.Ending(job.Id) is { } ending ? await ending.ConfigureAwait(false) : null;
        try
        {
            if (final is { Done: false })
            {
                await queue.HandBackAsync(entry).ConfigureAwait(false);
            }
            else
            {
                await queue.AcknowledgeAsync(entry).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Its lease runs out and another replica claims it; the store's record says whether there is anything left to do.
            ServerLog.FleetQueueUnavailable(logger, ex.Message);
        }
    }

    private async Task RenewLeasesAsync(string consumer, PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await queue.RenewAsync(consumer, [.. runner.Live().Select(j => j.Get<QueuedJob>()).OfType<QueuedJob>()]).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
                {
                    ServerLog.FleetQueueUnavailable(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
