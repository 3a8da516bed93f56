extern alias server;

using Microsoft.Extensions.Options;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Operations;
using server::StyleGrpc.Server.Settings;
using server::StyleGrpc.Server.Storage;
using Google.Protobuf;
using ServerFrame = server::StyleGrpc.Protos.V1.StylizeResponse;
using StackExchange.Redis;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// What a call costs the job store, on a real Redis of the test's own (its command counter is the test's alone) and on the
/// file store: a Get, a queue position, a page and a per-caller cap each take the same few commands with 20 jobs as with
/// 400, and pages and caps give the same answers on both stores.
/// </summary>
public sealed class JobStoreCostTests : IDisposable
{
    private static readonly DateTimeOffset Start = StoredJobs.Start;
    private readonly RedisServer redis = RedisServer.StartPrivate();
    private readonly RedisConnection connection;
    private readonly ConnectionMultiplexer admin;
    private readonly string dataDirectory = TestData.NewTempDirectory();

    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public JobStoreCostTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        this.output = output;
        connection = new RedisConnection(Options.Create(new StyleGrpcServerOptions { Redis = redis.Configuration, RedisKeyPrefix = "cost:" }));
        admin = ConnectionMultiplexer.Connect(redis.Configuration + ",allowAdmin=true");
    }

    public void Dispose()
    {
        connection.Dispose();
        admin.Dispose();
        redis.Dispose();
    }

    private static JobSpec Spec() => StoredJobs.Spec();

    private static JobRecord Record(int i, string caller) => StoredJobs.Record(i, caller);

    private async Task<long> CommandsAsync()
    {
        var info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("stats");
        return long.Parse(info.SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    // Commands one call takes, less the INFO that measures it.
    private async Task<long> CostAsync(Func<Task> call)
    {
        var before = await CommandsAsync();
        await call();
        return await CommandsAsync() - before - 1;
    }

    private async Task FillAsync(RedisJobStore store, RedisJobQueue queue, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var record = Record(i, i % 4 == 0 ? "alice" : "bob");
            Assert.Equal(JobCreation.Created, await store.CreateAsync(record, Spec(), 0, TimeSpan.Zero, CancellationToken.None));
            await queue.EnqueueAsync("network", record.Id, record.Caller);
        }
    }

    [Fact]
    public async Task RedisCalls_TakeTheSameCommandsWhateverTheFleetHolds()
    {
        var store = new RedisJobStore(connection);
        var queue = new RedisJobQueue(connection);
        var costs = new List<(int Jobs, long Get, long Position, long Page, long Waiting)>();
        foreach (var jobs in new[] { 20, 400 })
        {
            await FillAsync(store, queue, costs.Count == 0 ? 0 : 20, jobs);
            var newest = Record(jobs - 1, "bob").Id;
            int? position = null;
            JobPage? page = null;
            costs.Add((jobs,
                await CostAsync(async () => Assert.NotNull(await store.GetAsync(newest, CancellationToken.None))),
                await CostAsync(async () => position = await queue.PositionAsync(newest)),
                await CostAsync(async () => page = await store.ListPageAsync("bob", null, 50, CancellationToken.None)),
                await CostAsync(async () => Assert.Equal(jobs, await queue.WaitingAsync()))));
            Assert.Equal(jobs, position);
            Assert.Equal(Math.Min(50, jobs * 3 / 4), page!.Records.Count);
            Assert.Equal(newest, page.Records[0].Id);
        }

        // A Get, a position and the queue's depth: one command each, with 20 jobs as with 400.
        Assert.All(costs, c => Assert.Equal((1L, 1L, 1L), (c.Get, c.Position, c.Waiting)));
        // A page: its range, then its records in one round trip (1 + one per record: 15 of bob's jobs, then 50).
        Assert.Equal([1 + 15, 1 + 50], costs.Select(c => c.Page));
    }

    [Fact]
    public async Task RedisQueuePosition_CountsOnlyJobsStillWaiting_AndTakingOneMovesTheRestForward()
    {
        var store = new RedisJobStore(connection);
        var queue = new RedisJobQueue(connection);
        await FillAsync(store, queue, 0, 6);

        var taken = await queue.TryTakeNextAsync("network", "replica-1");

        Assert.NotNull(taken);
        Assert.Null(await queue.PositionAsync(taken.JobId));
        Assert.Equal(5, await queue.WaitingAsync());
        var positions = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            if (await queue.PositionAsync(Record(i, "").Id) is { } p)
            {
                positions.Add(p);
            }
        }
        Assert.Equal([1, 2, 3, 4, 5], positions);
        await queue.HandBackAsync(taken);
        Assert.Equal(6, await queue.PositionAsync(taken.JobId));
    }

    [Fact]
    public async Task RedisStore_CapsEachCallersUnfinishedJobs_AndAnEndFreesAPlace() =>
        await CapsEachCallersUnfinishedJobs(new RedisJobStore(connection));

    [Fact]
    public async Task FileStore_CapsEachCallersUnfinishedJobs_AndAnEndFreesAPlace() =>
        await CapsEachCallersUnfinishedJobs(new FileJobStore(Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory })));

    private static async Task CapsEachCallersUnfinishedJobs(IJobStore store)
    {
        var (first, second, third) = (Record(1, "alice"), Record(2, "alice"), Record(3, "alice"));
        Assert.Equal(JobCreation.Created, await store.CreateAsync(first, Spec(), 2, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(JobCreation.Created, await store.CreateAsync(second, Spec(), 2, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(JobCreation.CallerAtCap, await store.CreateAsync(third, Spec(), 2, TimeSpan.Zero, CancellationToken.None));
        Assert.Null(await store.GetAsync(third.Id, CancellationToken.None));
        Assert.Equal(JobCreation.Created, await store.CreateAsync(Record(4, "bob"), Spec(), 2, TimeSpan.Zero, CancellationToken.None));

        // Its end is written (twice: the second write of an ended job frees nothing more), and what only its run needed goes.
        Assert.True(await store.SaveCheckpointAsync(first.Id, 1, new byte[1024], CancellationToken.None));
        Assert.NotNull(await store.ReadSpecAsync(first, CancellationToken.None));
        var ended = first with { State = JobState.Succeeded, EndTime = Start.AddMinutes(1) };
        Assert.True(await store.SaveAsync(ended, CancellationToken.None));
        Assert.True(await store.SaveAsync(ended, CancellationToken.None));
        Assert.Null(await store.ReadSpecAsync(ended, CancellationToken.None));
        Assert.Null(await store.ReadCheckpointAsync(first.Id, CancellationToken.None));
        Assert.NotNull(await store.ReadSpecAsync(second, CancellationToken.None));

        Assert.Equal(JobCreation.Created, await store.CreateAsync(third, Spec(), 2, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(JobCreation.CallerAtCap, await store.CreateAsync(Record(5, "alice"), Spec(), 2, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task RedisStore_PagesNewestFirst_PerCallerAndForAll() => await PagesNewestFirst(new RedisJobStore(connection));

    [Fact]
    public async Task FileStore_PagesNewestFirst_PerCallerAndForAll() =>
        await PagesNewestFirst(new FileJobStore(Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory })));

    [Fact]
    public async Task FileStore_ReadsItsIndexBackAtStart()
    {
        var options = Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory });
        var before = new FileJobStore(options);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(JobCreation.Created, await before.CreateAsync(Record(i, "alice"), Spec(), 0, TimeSpan.Zero, CancellationToken.None));
        }

        var after = new FileJobStore(options);

        Assert.Equal(["0002", "0001", "0000"], (await after.ListPageAsync("alice", null, 10, CancellationToken.None))!.Records.Select(r => r.Id[..4]));
        Assert.Equal(JobCreation.CallerAtCap, await after.CreateAsync(Record(9, "alice"), Spec(), 3, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task RedisStore_KeepsFramesByTheRule_AndAWatcherReadsOnlyWhatIsNew() => await KeepsFrames(new RedisJobStore(connection));

    [Fact]
    public async Task FileStore_KeepsFramesByTheRule_AndAWatcherReadsOnlyWhatIsNew() =>
        await KeepsFrames(new FileJobStore(Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory })));

    private static ServerFrame Frame(long sequence, bool progress) => progress
        ? new ServerFrame { Sequence = sequence, Progress = new server::StyleGrpc.Protos.V1.Progress { Iteration = (int)sequence } }
        : new ServerFrame { Sequence = sequence, Started = new server::StyleGrpc.Protos.V1.Started { Width = 64 } };

    private static async Task KeepsFrames(IJobStore store)
    {
        var record = Record(1, "alice");
        Assert.Equal(JobCreation.Created, await store.CreateAsync(record, Spec(), 0, TimeSpan.Zero, CancellationToken.None));
        Assert.True(await store.AppendFramesAsync(record.Id, 1, [Frame(1, false), Frame(2, true)], [], CancellationToken.None));
        // Progress 3 supersedes progress 2.
        Assert.True(await store.AppendFramesAsync(record.Id, 1, [Frame(3, true)], [2], CancellationToken.None));

        Assert.Equal([1L, 3L], (await store.ReadFramesAsync(record.Id, 0, CancellationToken.None)).Select(f => f.Sequence));
        Assert.Equal([3L], (await store.ReadFramesAsync(record.Id, 1, CancellationToken.None)).Select(f => f.Sequence));
        Assert.Empty(await store.ReadFramesAsync(record.Id, 3, CancellationToken.None));
        Assert.Equal(3, (await store.ReadLastFrameAsync(record.Id, CancellationToken.None))!.Progress.Iteration);

        // A later attempt owns the job: the older one's frames are refused.
        Assert.True(await store.SaveAsync(record with { Attempt = 2 }, CancellationToken.None));
        Assert.False(await store.AppendFramesAsync(record.Id, 1, [Frame(4, true)], [3], CancellationToken.None));
        Assert.True(await store.AppendFramesAsync(record.Id, 2, [Frame(100_004, false)], [], CancellationToken.None));
        Assert.Equal([1L, 3L, 100_004L], (await store.ReadFramesAsync(record.Id, 0, CancellationToken.None)).Select(f => f.Sequence));
    }

    [Fact]
    public async Task FileStore_AFramesFileCutShort_YieldsTheFramesBeforeTheCut_AndTakesNewOnes()
    {
        var store = new FileJobStore(Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory }));
        var record = Record(1, "alice");
        Assert.Equal(JobCreation.Created, await store.CreateAsync(record, Spec(), 0, TimeSpan.Zero, CancellationToken.None));
        Assert.True(await store.AppendFramesAsync(record.Id, 1, [Frame(1, false), Frame(2, false)], [], CancellationToken.None));
        // A crash before an unsynced write reached the disk: the file ends in the middle of its last frame.
        var path = Path.Combine(dataDirectory, "jobs", record.Id, "frames-1.bin");
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^2]);

        Assert.Equal([1L], (await store.ReadFramesAsync(record.Id, 0, CancellationToken.None)).Select(f => f.Sequence));
        Assert.True(await store.AppendFramesAsync(record.Id, 1, [Frame(3, true)], [], CancellationToken.None));
        Assert.Equal([1L, 3L], (await store.ReadFramesAsync(record.Id, 0, CancellationToken.None)).Select(f => f.Sequence));
    }

    [Fact]
    public async Task RedisWatch_ReadsBytesOfTheNewFramesOnly_WhateverTheJobHolds()
    {
        var store = new RedisJobStore(connection);
        var record = Record(1, "alice");
        Assert.Equal(JobCreation.Created, await store.CreateAsync(record, Spec(), 0, TimeSpan.Zero, CancellationToken.None));
        // A large checkpoint and many frames already read: reading what is new costs the new frame's bytes, not theirs.
        Assert.True(await store.SaveCheckpointAsync(record.Id, 1, new byte[4 << 20], CancellationToken.None));
        for (var i = 1; i <= 50; i++)
        {
            Assert.True(await store.AppendFramesAsync(record.Id, 1, [Frame(i, false)], [], CancellationToken.None));
        }
        var next = Frame(51, false);
        Assert.True(await store.AppendFramesAsync(record.Id, 1, [next], [], CancellationToken.None));

        var before = await OutputBytesAsync();
        var read = await store.ReadFramesAsync(record.Id, 50, CancellationToken.None);
        var bytes = await OutputBytesAsync() - before;

        Assert.Equal(51, Assert.Single(read).Sequence);
        // The frame, the stream's framing and the INFO reply that measured it.
        Assert.InRange(bytes, next.CalculateSize(), 4096);
    }

    private async Task<long> OutputBytesAsync()
    {
        var info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("stats");
        return long.Parse(info.SelectMany(g => g).First(p => p.Key == "total_net_output_bytes").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task RedisPayload_TakesItsBytesPlusUnderTwoKibOfRedisMemory_AndReadsBackWhole()
    {
        var store = new RedisJobStore(connection);
        const int jobs = 20, size = 400 * 1024 - 3000;
        var records = Enumerable.Range(100, jobs).Select(i => Record(i, "alice")).ToList();
        foreach (var record in records)
        {
            Assert.Equal(JobCreation.Created, await store.CreateAsync(record, Spec(), 0, TimeSpan.Zero, CancellationToken.None));
        }
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        foreach (var record in records)
        {
            Assert.True(await store.SaveCheckpointAsync(record.Id, 1, payload, CancellationToken.None));
        }
        // What Redis says each payload's key takes, allocations included (MEMORY USAGE, every field counted).
        var usage = new List<long>();
        foreach (var record in records)
        {
            usage.Add((long)await admin.GetDatabase().ExecuteAsync("MEMORY", "USAGE", $"cost:job:{record.Id}:checkpoint", "SAMPLES", "0"));
        }
        var perPayload = usage.Average();

        output.WriteLine($"a {size / 1024.0:F1} KiB payload takes {perPayload / 1024:F2} KiB of Redis memory (one string would take 448 KiB: the allocator's size class)");
        Assert.InRange(perPayload, size, size + 2048);
        Assert.Equal(payload, await store.ReadCheckpointAsync(records[0].Id, CancellationToken.None));
    }

    [Fact]
    public async Task RedisStoreWithABlobDirectory_KeepsPayloadsThereAndReferencesInRedis_AndDropsThemWithTheJob()
    {
        var folder = TestData.NewTempDirectory();
        var store = new RedisJobStore(connection, new JobBlobFolder(folder));
        var (record, refused) = (Record(1, "alice"), Record(2, "alice"));
        var files = () => Directory.Exists(Path.Combine(folder, "jobs")) ? Directory.GetFiles(Path.Combine(folder, "jobs"), "*", SearchOption.AllDirectories) : [];

        Assert.Equal(JobCreation.Created, await store.CreateAsync(record, Spec(), 1, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(JobCreation.CallerAtCap, await store.CreateAsync(refused, Spec(), 1, TimeSpan.Zero, CancellationToken.None));
        Assert.True(await store.SaveCheckpointAsync(record.Id, 1, new byte[100_000], CancellationToken.None));
        Assert.True(await store.SaveCheckpointAsync(record.Id, 1, Enumerable.Repeat((byte)7, 200_000).ToArray(), CancellationToken.None));

        // Redis holds references of a few dozen bytes; the folder holds the spec and the latest checkpoint only.
        var db = connection.Db;
        Assert.InRange(await db.HashStringLengthAsync($"cost:job:{record.Id}:spec", "0"), 1, 200);
        Assert.InRange(await db.HashStringLengthAsync($"cost:job:{record.Id}:checkpoint", "0"), 1, 200);
        Assert.Equal(1, await db.HashLengthAsync($"cost:job:{record.Id}:checkpoint"));
        Assert.Equal(2, files().Length);
        Assert.IsType<TrainingJobSpec>(await store.ReadSpecAsync(record, CancellationToken.None));
        Assert.Equal(Enumerable.Repeat((byte)7, 200_000), await store.ReadCheckpointAsync(record.Id, CancellationToken.None));
        // An older attempt's checkpoint is refused, and leaves no file behind.
        Assert.True(await store.SaveAsync(record with { Attempt = 2 }, CancellationToken.None));
        Assert.False(await store.SaveCheckpointAsync(record.Id, 1, new byte[10], CancellationToken.None));
        Assert.Equal(2, files().Length);

        Assert.True(await store.SaveAsync(record with { Attempt = 2, State = JobState.Failed }, CancellationToken.None));
        Assert.Empty(files());
        Assert.Null(await store.ReadCheckpointAsync(record.Id, CancellationToken.None));
    }

    private static async Task PagesNewestFirst(IJobStore store)
    {
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(JobCreation.Created, await store.CreateAsync(Record(i, i % 2 == 0 ? "alice" : "bob"), Spec(), 0, TimeSpan.Zero, CancellationToken.None));
        }

        var alice = new List<string>();
        string? after = null;
        do
        {
            var page = await store.ListPageAsync("alice", after, 3, CancellationToken.None);
            Assert.NotNull(page);
            alice.AddRange(page.Records.Select(r => r.Id[..4]));
            after = page.NextAfterId;
        }
        while (after is not null);
        var everyone = await store.ListPageAsync(null, Record(4, "").Id, 10, CancellationToken.None);

        Assert.Equal(["0006", "0004", "0002", "0000"], alice);
        Assert.Equal(["0003", "0002", "0001", "0000"], everyone!.Records.Select(r => r.Id[..4]));
        Assert.Null(everyone.NextAfterId);
        Assert.Null(await store.ListPageAsync("bob", Record(4, "").Id, 3, CancellationToken.None));

        Assert.True(await store.DeleteAsync(Record(6, "").Id, CancellationToken.None));
        Assert.Equal("0004", (await store.ListPageAsync("alice", null, 1, CancellationToken.None))!.Records[0].Id[..4]);
    }
}
