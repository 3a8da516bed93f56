extern alias server;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Operations;
using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// Retention on a clock the test moves (FakeTimeProvider) over the real file store: an ended operation goes
/// <c>ResultRetentionHours</c> after it ended, not before, and a job that has not ended stays however old it is.
/// </summary>
public sealed class OperationRetentionTests : IDisposable
{
    private static readonly DateTimeOffset Start = StoredJobs.Start;
    private readonly string dataDirectory = TestData.NewTempDirectory();

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    private static JobRecord Record(string id, DateTimeOffset created) => StoredJobs.Record(0, "alice") with { Id = id, CreateTime = created };

    [Fact]
    public async Task EndedOperations_GoRetentionHoursAfterTheyEnded_AndUnfinishedOnesStay()
    {
        var options = Options.Create(new StyleGrpcServerOptions { DataDirectory = dataDirectory, ResultRetentionHours = 24 });
        var store = new FileJobStore(options);
        var spec = StoredJobs.Spec();
        foreach (var (id, ended) in new[] { ("ea0000000001", Start), ("ea0000000002", Start.AddHours(2)), ("ea0000000003", (DateTimeOffset?)null) })
        {
            await store.CreateAsync(Record(id, Start.AddHours(-1)), spec, 0, TimeSpan.Zero, CancellationToken.None);
            if (ended is { } end)
            {
                await store.SaveAsync(Record(id, Start.AddHours(-1)) with { State = JobState.Succeeded, EndTime = end }, CancellationToken.None);
            }
        }
        var clock = new FakeTimeProvider(Start.AddHours(3));
        using var retention = new OperationRetention(store, options, clock, NullLogger<OperationRetention>.Instance);
        async Task<string[]> Left() => [.. (await store.ListAsync(CancellationToken.None)).Select(r => r.Id)];
        // Moves the clock and waits for the sweep it wakes (the sweeper is idle between these steps, so that sweep reads the new time).
        async Task AdvanceAndSweep(TimeSpan by)
        {
            var before = retention.Sweeps;
            clock.Advance(by);
            Assert.True(await ServerTestSetup.EventuallyAsync(() => retention.Sweeps >= before + 1, TimeSpan.FromSeconds(10)));
        }

        await retention.StartAsync(CancellationToken.None);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => retention.Sweeps >= 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(["ea0000000001", "ea0000000002", "ea0000000003"], await Left());

        await AdvanceAndSweep(TimeSpan.FromHours(21));   // 24 h after the first ended
        Assert.Equal(["ea0000000002", "ea0000000003"], await Left());

        await AdvanceAndSweep(TimeSpan.FromHours(1));    // 23 h after the second ended: not yet
        Assert.Equal(["ea0000000002", "ea0000000003"], await Left());

        await AdvanceAndSweep(TimeSpan.FromHours(1));
        Assert.Equal(["ea0000000003"], await Left());
        await AdvanceAndSweep(TimeSpan.FromDays(30));    // unfinished: however old
        Assert.Equal(["ea0000000003"], await Left());
        await retention.StopAsync(CancellationToken.None);
    }
}
