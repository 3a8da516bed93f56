using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// With <c>Store=redis</c>, this replica's share of the fleet queue: while it has a free slot it takes the next job
/// (<see cref="RedisJobQueue.TryTakeAsync"/>, round-robin across keys), or one whose replica stopped renewing its lease, and
/// runs it as its next attempt from its checkpoint (the attempt is the fencing token of every write). It renews the lease of
/// the jobs it runs, acknowledges each when it has ended, and hands back the ones it stops running when the process stops.
/// </summary>
public sealed class FleetWorker(RedisJobQueue queue, IJobStore store, JobRunner runner, JobScheduler scheduler, JobJournal journal, JobResumption resumption,
    ModelHost model, ReplicaAddress replica, IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<FleetWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<string, QueuedJob> held = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim wake = new(0);

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await model.GetEngineAsync(stoppingToken).ConfigureAwait(false);
        var consumer = replica.Value;
        var subscriber = await queue.WakeSubscriptionAsync().ConfigureAwait(false);
        await subscriber.SubscribeAsync(queue.Wake, (_, _) => wake.Release()).ConfigureAwait(false);
        // CancelOperation on any replica: the one running the job stops it within one iteration.
        await subscriber.SubscribeAsync(queue.Cancels, (_, message) =>
        {
            var (id, reason) = RedisJobQueue.ParseCancel(message.ToString());
            runner.Find(id)?.Stop(reason);
        }).ConfigureAwait(false);
        using var renewal = new PeriodicTimer(Lease / 3, time);
        _ = RenewLeasesAsync(consumer, renewal, stoppingToken);
        while (!stoppingToken.IsCancellationRequested && !scheduler.IsStopping)
        {
            var took = false;
            if (scheduler.Running + scheduler.Waiting < options.Value.ConcurrentJobs)
            {
                try
                {
                    var network = model.Engine.Network.Info.Fingerprint;
                    var next = await queue.TryTakeAsync(network, consumer).ConfigureAwait(false)
                        ?? await queue.TryClaimAbandonedAsync(network, consumer, Lease).ConfigureAwait(false);
                    if (next is not null)
                    {
                        took = true;
                        await StartAsync(next, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or Storage.StoreUnavailableException)
                {
                    ServerLog.FleetQueueUnavailable(logger, ex.Message);
                }
            }
            if (!took)
            {
                await wake.WaitAsync(PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task StartAsync(QueuedJob entry, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(entry.JobId, cancellationToken).ConfigureAwait(false);
        var spec = record is null || record.Done ? null : await store.ReadSpecAsync(record, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Done || spec is null)
        {
            // Deleted, or ended (cancelled while queued, or finished by a replica that lost its lease): nothing to run.
            await queue.AcknowledgeAsync(entry).ConfigureAwait(false);
            return;
        }
        // A job that ran before (elsewhere, or here before a restart) or whose replica lost its lease is a new attempt.
        var resumed = entry.Reclaimed || record.StartTime is not null;
        if (await resumption.StartAsync(record, spec, resumed, entry.Reclaimed ? "claimed" : "handed_back", taken => held[taken.Id] = entry, cancellationToken)
                .ConfigureAwait(false) is not { } job)
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
        held.TryRemove(job.Id, out _);
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
                    await queue.RenewAsync(consumer, held.Values).ConfigureAwait(false);
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
