extern alias server;

using Microsoft.Extensions.Time.Testing;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Jobs.Events;

namespace StyleGrpc.Server.Tests;

/// <summary>The frame policy for lagging readers, without a server.</summary>
public sealed class JobEventBufferTests
{
    private static readonly RgbImage Pixel = new(1, 1, new byte[3]);

    // Only so a broken buffer fails instead of hanging; nothing here waits for time to pass.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static JobProgressed Step(int iteration, bool preview = false) =>
        new(new StyleTransferProgress(iteration, 100, 0, 0, 0, 1.0 / iteration, TimeSpan.Zero, TimeSpan.Zero, preview ? Pixel : null));

    private static async Task<List<JobEvent>> DrainAsync(JobEventBuffer buffer)
    {
        var items = new List<JobEvent>();
        await foreach (var item in buffer.ReadAllAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            items.Add(item);
        }
        return items;
    }

    [Fact]
    public async Task Add_ReaderAway_KeepsLifecycleCoalescesProgressAndKeepsTheLatestPreviews()
    {
        var buffer = new JobEventBuffer(maxPreviews: 2, new FakeTimeProvider());
        buffer.Add(new JobAccepted("j", 2));
        buffer.Add(new JobQueued(1));
        buffer.Add(new JobStarted(4, 4, 100, TimeSpan.Zero, "vgg19", 1));
        for (var i = 1; i <= 10; i++)
        {
            buffer.Add(Step(i, preview: i % 3 == 0));
        }
        buffer.Add(Step(11));
        buffer.Complete();

        var items = await DrainAsync(buffer);

        Assert.IsType<JobAccepted>(items[0]);
        Assert.IsType<JobQueued>(items[1]);
        Assert.IsType<JobStarted>(items[2]);
        var progress = items.OfType<JobProgressed>().ToList();
        // Previews 3, 6, 9 were made; the oldest was dropped for the two latest; one plain frame (the newest) is left.
        Assert.Equal([6, 9, 11], progress.Select(p => p.Progress.Iteration));
        Assert.Equal([true, true, false], progress.Select(p => p.Progress.Preview is not null));
        Assert.Equal(1, buffer.PreviewsDropped);
        Assert.Equal(7, buffer.FramesCoalesced);
        Assert.All(progress, p => Assert.Equal((7, 1), (p.FramesCoalesced, p.PreviewsDropped)));
    }

    [Fact]
    public async Task Add_ReaderKeepsUp_LosesNothing()
    {
        var buffer = new JobEventBuffer(maxPreviews: 1, new FakeTimeProvider());
        await using var reader = buffer.ReadAllAsync().GetAsyncEnumerator();
        var items = new List<JobEvent>();
        // The reader asks before each event is added and takes it before the next: it is never behind.
        for (var i = 1; i <= 50; i++)
        {
            var next = reader.MoveNextAsync();
            buffer.Add(Step(i, preview: i % 2 == 0));
            Assert.True(await next.AsTask().WaitAsync(Bound));
            items.Add(reader.Current);
        }
        buffer.Add(new JobFinished("j", null!, TimeSpan.Zero, TimeSpan.Zero));
        buffer.Complete();
        while (await reader.MoveNextAsync().AsTask().WaitAsync(Bound))
        {
            items.Add(reader.Current);
        }

        Assert.Equal(Enumerable.Range(1, 50), items.OfType<JobProgressed>().Select(p => p.Progress.Iteration));
        Assert.Equal((0, 0), (buffer.FramesCoalesced, buffer.PreviewsDropped));
        Assert.IsType<JobFinished>(items[^1]);
    }

    [Fact]
    public async Task ReaderIdleSince_GrowsWhileAnEventWaitsOrIsBeingWritten_AndNotWhileTheReaderWaits()
    {
        var time = new FakeTimeProvider();
        var buffer = new JobEventBuffer(maxPreviews: 1, time);
        await using var reader = buffer.ReadAllAsync().GetAsyncEnumerator();
        var next = reader.MoveNextAsync();
        // The reader waits for the job: however long, it is not idle.
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.Zero, buffer.ReaderIdleSince);

        buffer.Add(Step(1));
        Assert.True(await next.AsTask().WaitAsync(Bound));
        // The reader holds the event (writing it) and does not ask for the next: it is idle from the moment it took it.
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), buffer.ReaderIdleSince);

        // An event waiting for a reader that holds another keeps the clock running from when the reader took its last.
        buffer.Add(Step(2));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(10), buffer.ReaderIdleSince);

        // Asking again resets it; the waiting event is taken at once, and the reader is idle from now.
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(TimeSpan.Zero, buffer.ReaderIdleSince);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), buffer.ReaderIdleSince);

        var again = reader.MoveNextAsync();
        Assert.Equal(TimeSpan.Zero, buffer.ReaderIdleSince);
        buffer.Complete(new InvalidOperationException("boom"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await again.AsTask().WaitAsync(Bound));
    }
}
