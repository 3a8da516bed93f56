extern alias server;

using Microsoft.Extensions.Options;
using StackExchange.Redis;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Operations;
using server::StyleGrpc.Server.Settings;
using server::StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// The job stores' schedule of due webhooks, the same on both: a job's end makes its webhook due, a claim hides it for a lease
/// (two replicas claiming at once never get the same one), a recorded outcome reschedules or retires it, a restart of the file
/// store rebuilds it from the records, and a claim costs Redis the same with 20 ended jobs as with 400.
/// </summary>
public sealed class WebhookScheduleTests : IDisposable
{
    private static readonly DateTimeOffset Start = StoredJobs.Start;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private readonly RedisServer redis = RedisServer.StartPrivate();
    private readonly RedisConnection connection;
    private readonly ConnectionMultiplexer admin;
    private readonly IOptions<StyleGrpcServerOptions> fileOptions = Options.Create(new StyleGrpcServerOptions { DataDirectory = TestData.NewTempDirectory() });

    public WebhookScheduleTests()
    {
        connection = new RedisConnection(Options.Create(new StyleGrpcServerOptions { Redis = redis.Configuration, RedisKeyPrefix = "hooks:" }));
        admin = ConnectionMultiplexer.Connect(redis.Configuration + ",allowAdmin=true");
    }

    public void Dispose()
    {
        connection.Dispose();
        admin.Dispose();
        redis.Dispose();
    }

    private static JobRecord Record(int i, bool notify = true) => StoredJobs.Record(i, "alice") with
    {
        Notification = notify ? new JobNotification { Url = "https://hooks.example.com/x" } : null,
    };

    private static async Task<JobRecord> EndAsync(IJobStore store, int i, bool notify = true)
    {
        var record = Record(i, notify);
        await store.CreateAsync(record, StoredJobs.Spec(), 0, TimeSpan.Zero, CancellationToken.None);
        var ended = record with { State = JobState.Succeeded, EndTime = Start.AddSeconds(i + 1) };
        Assert.True(await store.SaveAsync(ended, CancellationToken.None));
        return ended;
    }

    public static TheoryData<string> Stores => ["file", "redis"];

    private IJobStore Store(string kind) => kind == "redis" ? new RedisJobStore(connection) : new FileJobStore(fileOptions);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Schedule_EndMakesDue_ClaimHidesForALease_OutcomeReschedulesOrRetires(string kind)
    {
        var store = Store(kind);
        var now = Start.AddMinutes(1);
        var running = Record(1);
        await store.CreateAsync(running, StoredJobs.Spec(), 0, TimeSpan.Zero, CancellationToken.None);
        Assert.Empty(await store.ClaimDueNotificationsAsync(now, Lease, 10, CancellationToken.None));

        var ended = await EndAsync(store, 2);
        await EndAsync(store, 3, notify: false);
        var first = await store.ClaimDueNotificationsAsync(now, Lease, 10, CancellationToken.None);
        var second = await store.ClaimDueNotificationsAsync(now, Lease, 10, CancellationToken.None);
        var afterLease = await store.ClaimDueNotificationsAsync(now + Lease, Lease, 10, CancellationToken.None);

        Assert.Equal([ended.Id], first);
        Assert.Empty(second);
        Assert.Equal([ended.Id], afterLease);

        // A failed attempt: due again at its time; a later write of the record keeps the recorded delivery.
        var retry = ended.Notification! with { Attempts = 1, LastError = "HTTP 500", NextAttemptTime = now.AddMinutes(10) };
        Assert.True(await store.SaveNotificationAsync(ended.Id, retry, retry.NextAttemptTime, CancellationToken.None));
        Assert.True(await store.SaveAsync(ended, CancellationToken.None));
        Assert.Equal(retry, (await store.GetAsync(ended.Id, CancellationToken.None))!.Notification);
        Assert.Empty(await store.ClaimDueNotificationsAsync(now.AddMinutes(9), Lease, 10, CancellationToken.None));
        var fresh = kind == "file" ? new FileJobStore(fileOptions) : store;
        Assert.Equal([ended.Id], await fresh.ClaimDueNotificationsAsync(now.AddMinutes(10), Lease, 10, CancellationToken.None));

        // Delivered: never due again, also after a restart of the file store.
        var delivered = retry with { State = NotificationState.Delivered, Attempts = 2, DeliveredTime = now.AddMinutes(10) };
        Assert.True(await fresh.SaveNotificationAsync(ended.Id, delivered, null, CancellationToken.None));
        Assert.Empty(await fresh.ClaimDueNotificationsAsync(now.AddDays(1), Lease, 10, CancellationToken.None));
        Assert.Empty(await (kind == "file" ? new FileJobStore(fileOptions) : store).ClaimDueNotificationsAsync(now.AddDays(1), Lease, 10, CancellationToken.None));
        Assert.Equal(NotificationState.Delivered, (await fresh.GetAsync(ended.Id, CancellationToken.None))!.Notification!.State);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Claim_ByTwoReplicasAtOnce_GivesEachDueJobToOne(string kind)
    {
        var store = Store(kind);
        var other = kind == "redis" ? new RedisJobStore(connection) : store;
        for (var i = 0; i < 40; i++)
        {
            await EndAsync(store, 100 + i);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(n =>
            (n % 2 == 0 ? store : other).ClaimDueNotificationsAsync(Start.AddHours(1), Lease, 7, CancellationToken.None)));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
    }

    [Fact]
    public async Task RedisClaim_CostsTheSameCommandsWhateverTheStoreHolds()
    {
        var store = new RedisJobStore(connection);
        var costs = new List<long>();
        var done = 0;
        // The script's first use loads it; measured are the uses after.
        await store.ClaimDueNotificationsAsync(Start, Lease, 16, CancellationToken.None);
        foreach (var jobs in new[] { 20, 400 })
        {
            for (; done < jobs; done++)
            {
                // Ended jobs whose webhooks were delivered long ago, and others without one: none is due.
                var ended = await EndAsync(store, 1000 + done, notify: done % 2 == 0);
                if (ended.Notification is { } n)
                {
                    await store.SaveNotificationAsync(ended.Id, n with { State = NotificationState.Delivered }, null, CancellationToken.None);
                }
            }
            var due = await EndAsync(store, 5000 + jobs);
            var before = await CommandsAsync();
            var claimed = await store.ClaimDueNotificationsAsync(Start.AddDays(1), Lease, 16, CancellationToken.None);
            costs.Add(await CommandsAsync() - before - 1);
            Assert.Equal([due.Id], claimed);
        }

        // The claim script and, inside it, one range read and one lease write for the one due job.
        Assert.Equal([3L, 3L], costs);
    }

    private async Task<long> CommandsAsync()
    {
        var info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("stats");
        return long.Parse(info.SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
