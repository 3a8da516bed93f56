using StackExchange.Redis;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// The fleet's one queue, on Redis Streams with a consumer group (<c>workers</c>): one stream per serving network and caller,
/// <c>{prefix}queue:{network}:{caller}</c>, and the set <c>{prefix}queue:{network}:callers</c> (a job's plan is made for one
/// network; replicas that serve another never take it). A replica with a free slot takes the next entry
/// round-robin across callers (a shared counter picks where to start), so one key's hundred jobs do not hold back another
/// key's one. An entry stays pending until its job has ended (XACK); the replica renews its lease on the entries it runs
/// (a self-XCLAIM resets their idle time), and an entry idle past the lease is claimed by another replica (XAUTOCLAIM):
/// the replica that held it is gone, or lost its lease. StackExchange.Redis has no blocking reads: replicas poll, and
/// wake early on the <c>{prefix}queue:wake</c> channel.
/// <para>
/// Beside the streams, the sorted set <c>{prefix}queue:waiting</c> holds every job queued and not yet taken, scored by the
/// order of queueing (a counter): its size is the fleet's queue depth, and a job's rank in it its queue position, each
/// one command whatever the fleet holds. A job enters it in the same script as its stream entry.
/// </para>
/// </summary>
public sealed class RedisJobQueue(RedisConnection redis) : IJobQueue
{
    private const string Group = "workers";

    // One queue per network (a job's plan is made for one: replicas serving another network never take it), per caller.
    private RedisKey Stream(string network, string caller) => $"{redis.Prefix}queue:{network}:{caller}";

    private RedisKey Callers(string network) => $"{redis.Prefix}queue:{network}:callers";

    private RedisKey Turn(string network) => $"{redis.Prefix}queue:{network}:turn";

    private RedisKey Waiting => $"{redis.Prefix}queue:waiting";

    private RedisKey OrderCounter => $"{redis.Prefix}queue:order";

    // KEYS = the caller's stream, the network's callers, the order counter, the waiting set; ARGV = job, network, caller.
    private const string Enqueue = """
        redis.call('XADD', KEYS[1], '*', 'job', ARGV[1], 'network', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[3])
        redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[3]), ARGV[1])
        return 1
        """;

    /// <summary>The channel replicas are woken on when a job is queued.</summary>
    public RedisChannel Wake => RedisChannel.Literal(redis.Prefix + "queue:wake");

    /// <summary>The channel a cancelled job's ID is published on, for the replica that runs it.</summary>
    public RedisChannel Cancels => RedisChannel.Literal(redis.Prefix + "jobs:cancel");

    /// <summary>Asks whichever replica runs <paramref name="jobId"/> to stop it, for <paramref name="reason"/> (<c>{id} {reason}</c>).</summary>
    public Task PublishCancelAsync(string jobId, Jobs.JobStopReason reason) =>
        redis.Multiplexer.GetSubscriber().PublishAsync(Cancels, $"{jobId} {reason}");

    /// <summary>A cancel message: the job and why (an ID alone, from an earlier version, is CancelOperation's).</summary>
    public static (string JobId, Jobs.JobStopReason Reason) ParseCancel(string message) =>
        message.Split(' ', 2) is [var id, var reason] && Enum.TryParse<Jobs.JobStopReason>(reason, out var parsed) ? (id, parsed) : (message, Jobs.JobStopReason.Cancelled);

    /// <summary>The fleet's queue is durable: there is nothing to fill.</summary>
    public Task OpenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Wake-ups and cancels arrive on their channels, from every replica.</summary>
    public async Task SubscribeAsync(Action woken, Action<string, Jobs.JobStopReason> cancelled)
    {
        var subscriber = redis.Multiplexer.GetSubscriber();
        await subscriber.SubscribeAsync(Wake, (_, _) => woken()).ConfigureAwait(false);
        await subscriber.SubscribeAsync(Cancels, (_, message) =>
        {
            var (id, reason) = ParseCancel(message.ToString());
            cancelled(id, reason);
        }).ConfigureAwait(false);
    }

    /// <summary>The next job, round-robin across callers, else one whose replica has not renewed its lease for <paramref name="lease"/>.</summary>
    public async Task<QueuedJob?> TryTakeAsync(string network, string consumer, TimeSpan lease) =>
        await TryTakeNextAsync(network, consumer).ConfigureAwait(false) ?? await TryClaimAbandonedAsync(network, consumer, lease).ConfigureAwait(false);

    /// <summary>Queues a job at the end of its caller's stream and wakes the replicas.</summary>
    public async Task EnqueueAsync(string network, string jobId, string caller)
    {
        var stream = Stream(network, caller);
        await EnsureGroupAsync(stream).ConfigureAwait(false);
        await redis.Db.ScriptEvaluateAsync(Enqueue, [stream, Callers(network), OrderCounter, Waiting], [jobId, network, caller]).ConfigureAwait(false);
        await redis.Multiplexer.GetSubscriber().PublishAsync(Wake, jobId).ConfigureAwait(false);
    }

    /// <summary>Takes the next job, round-robin across callers; null when every queue is empty.</summary>
    public async Task<QueuedJob?> TryTakeNextAsync(string network, string consumer)
    {
        var callers = (await redis.Db.SetMembersAsync(Callers(network)).ConfigureAwait(false)).Select(c => c.ToString()).Order(StringComparer.Ordinal).ToList();
        if (callers.Count == 0)
        {
            return null;
        }
        var start = (int)((await redis.Db.StringIncrementAsync(Turn(network)).ConfigureAwait(false)) % callers.Count);
        for (var i = 0; i < callers.Count; i++)
        {
            var caller = callers[(start + i) % callers.Count];
            var stream = Stream(network, caller);
            await EnsureGroupAsync(stream).ConfigureAwait(false);
            var entries = await redis.Db.StreamReadGroupAsync(stream, Group, consumer, StreamPosition.NewMessages, count: 1).ConfigureAwait(false);
            if (entries.Length > 0)
            {
                await redis.Db.SortedSetRemoveAsync(Waiting, entries[0]["job"]).ConfigureAwait(false);
                return new QueuedJob(network, stream.ToString(), entries[0].Id.ToString(), entries[0]["job"].ToString(), caller, QueueOrigin.Queued);
            }
        }
        return null;
    }

    /// <summary>Claims a job whose replica has not renewed its lease for <paramref name="lease"/>; null when there is none.</summary>
    public async Task<QueuedJob?> TryClaimAbandonedAsync(string network, string consumer, TimeSpan lease)
    {
        foreach (var caller in await redis.Db.SetMembersAsync(Callers(network)).ConfigureAwait(false))
        {
            var stream = Stream(network, caller.ToString());
            await EnsureGroupAsync(stream).ConfigureAwait(false);
            var claimed = await redis.Db.StreamAutoClaimAsync(stream, Group, consumer, (long)lease.TotalMilliseconds, "0-0", count: 1)
                .ConfigureAwait(false);
            if (claimed.ClaimedEntries is [var entry, ..])
            {
                return new QueuedJob(network, stream.ToString(), entry.Id.ToString(), entry["job"].ToString(), caller.ToString(), QueueOrigin.Claimed);
            }
        }
        return null;
    }

    /// <summary>Renews the lease on entries this replica runs (resets their idle time).</summary>
    public async Task RenewAsync(string consumer, IEnumerable<QueuedJob> held)
    {
        foreach (var job in held)
        {
            await redis.Db.StreamClaimIdsOnlyAsync(job.Stream, Group, consumer, 0, [job.EntryId]).ConfigureAwait(false);
        }
    }

    /// <summary>The job has ended: its entry leaves the queue.</summary>
    public async Task AcknowledgeAsync(QueuedJob job)
    {
        await redis.Db.StreamAcknowledgeAsync(job.Stream, Group, job.EntryId).ConfigureAwait(false);
        await redis.Db.StreamDeleteAsync(job.Stream, [job.EntryId]).ConfigureAwait(false);
        await redis.Db.SortedSetRemoveAsync(Waiting, job.JobId).ConfigureAwait(false);
    }

    /// <summary>This replica stops: the job goes back to its caller's queue for another replica to continue at once.</summary>
    public async Task HandBackAsync(QueuedJob job)
    {
        await AcknowledgeAsync(job).ConfigureAwait(false);
        await EnqueueAsync(job.Network, job.JobId, job.Caller).ConfigureAwait(false);
    }

    /// <summary>Jobs queued in the fleet and not yet taken, over every caller (one command).</summary>
    public Task<long> WaitingAsync() => redis.Db.SortedSetLengthAsync(Waiting);

    /// <summary>
    /// The job's place in the fleet's queue: 1 + the jobs queued before it and not yet taken, over every caller (one
    /// command). Replicas take turns between callers, which can only move a job forward, so this is the most it can be.
    /// Null when the job is not waiting (taken, or never queued).
    /// </summary>
    public async Task<int?> PositionAsync(string jobId) =>
        await redis.Db.SortedSetRankAsync(Waiting, jobId).ConfigureAwait(false) is { } rank ? (int)rank + 1 : null;

    private async Task EnsureGroupAsync(RedisKey stream)
    {
        try
        {
            await redis.Db.StreamCreateConsumerGroupAsync(stream, Group, "0-0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists.
        }
    }
}
