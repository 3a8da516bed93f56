extern alias server;

using Microsoft.Extensions.Options;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Operations;
using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// The queue of one process (<c>Store=file</c>): turns between callers as on the fleet, positions that only move forward,
/// a hand-back that queues the job again, and a start that queues the store's unfinished jobs again (and nothing else).
/// Fast: no engine, no server; the store is the real file store in a temporary folder.
/// </summary>
public sealed class InProcessJobQueueTests : IDisposable
{
    private static readonly DateTimeOffset Start = StoredJobs.Start;
    private readonly string dataDirectory = TestData.NewTempDirectory();

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    private FileJobStore Store() => new(Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory }));

    private static JobSpec Spec() => StoredJobs.Spec();

    private static JobRecord Record(int i, string caller) => StoredJobs.Record(i, caller);

    [Fact]
    public async Task TenKeysWithAHundredJobsEach_EveryKeysFirstJobIsAmongTheFirstTenTaken()
    {
        var queue = new InProcessJobQueue(Store());
        for (var i = 0; i < 1000; i++)
        {
            // Key 0 queues its hundred first, then key 1, …: arrival order alone would serve key 9 last.
            await queue.EnqueueAsync("network", $"job-{i:D4}", $"key-{i / 100}");
        }

        var firstTen = new List<QueuedJob>();
        for (var i = 0; i < 10; i++)
        {
            firstTen.Add(await queue.TryTakeAsync("network", "me", TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("ran dry"));
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(k => $"key-{k}"), firstTen.Select(j => j.Caller).Order());
        Assert.Equal(Enumerable.Range(0, 10).Select(k => $"job-{k * 100:D4}"), firstTen.Select(j => j.JobId).Order());
        Assert.Equal(990, await queue.WaitingAsync());
    }

    [Fact]
    public async Task Position_CountsOnlyJobsStillWaiting_AndMovesForwardAsJobsAreTaken()
    {
        var queue = new InProcessJobQueue(Store());
        await queue.EnqueueAsync("network", "a1", "a");
        await queue.EnqueueAsync("network", "a2", "a");
        await queue.EnqueueAsync("network", "b1", "b");

        Assert.Equal([1, 2, 3], [await queue.PositionAsync("a1"), await queue.PositionAsync("a2"), await queue.PositionAsync("b1")]);
        var taken = await queue.TryTakeAsync("network", "me", TimeSpan.Zero);
        Assert.Equal("a1", taken?.JobId);
        Assert.Null(await queue.PositionAsync("a1"));
        Assert.Equal([1, 2], [await queue.PositionAsync("a2"), await queue.PositionAsync("b1")]);
        // b's turn comes before a's second job, though a2 was queued first: its position was the most it could be.
        Assert.Equal("b1", (await queue.TryTakeAsync("network", "me", TimeSpan.Zero))?.JobId);
        Assert.Null(await queue.PositionAsync("never-queued"));
    }

    [Fact]
    public async Task HandBack_QueuesTheJobAgainAtTheEnd_AndWakesTheWorker()
    {
        var queue = new InProcessJobQueue(Store());
        var wakes = 0;
        await queue.SubscribeAsync(() => wakes++, (_, _) => { });
        await queue.EnqueueAsync("network", "first", "a");
        await queue.EnqueueAsync("network", "second", "a");
        var taken = await queue.TryTakeAsync("network", "me", TimeSpan.Zero) ?? throw new InvalidOperationException("empty");

        await queue.HandBackAsync(taken);

        Assert.Equal(3, wakes);
        Assert.Equal([1, 2], [await queue.PositionAsync("second"), await queue.PositionAsync("first")]);
    }

    [Fact]
    public async Task Cancel_ReachesTheSubscriberWithItsReason()
    {
        var queue = new InProcessJobQueue(Store());
        (string, JobStopReason)? got = null;
        await queue.SubscribeAsync(() => { }, (id, reason) => got = (id, reason));

        await queue.PublishCancelAsync("job", JobStopReason.Deadline);

        Assert.Equal(("job", JobStopReason.Deadline), got);
    }

    [Fact]
    public async Task Open_QueuesTheStoresUnfinishedJobsOldestFirst_AsRestored_AndNotTheEndedOnes()
    {
        var store = Store();
        await store.CreateAsync(Record(3, "a"), Spec(), 0, TimeSpan.Zero, CancellationToken.None);
        await store.CreateAsync(Record(1, "b") with { State = JobState.Running, StartTime = Start }, Spec(), 0, TimeSpan.Zero, CancellationToken.None);
        await store.CreateAsync(Record(2, "a"), Spec(), 0, TimeSpan.Zero, CancellationToken.None);
        await store.SaveAsync(Record(2, "a") with { State = JobState.Succeeded, EndTime = Start.AddMinutes(1) }, CancellationToken.None);

        // A new process: the index and the queue start from what the folder holds.
        var queue = new InProcessJobQueue(Store());
        await queue.OpenAsync(CancellationToken.None);

        Assert.Equal(2, await queue.WaitingAsync());
        Assert.Equal([1, 2], [await queue.PositionAsync(Record(1, "b").Id), await queue.PositionAsync(Record(3, "a").Id)]);
        var first = await queue.TryTakeAsync("network", "me", TimeSpan.Zero);
        Assert.Equal(QueueOrigin.Restored, first?.Origin);
        Assert.Null(await queue.PositionAsync(Record(2, "a").Id));
    }
}
