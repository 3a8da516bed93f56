extern alias server;

using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Jobs.Events;

namespace StyleGrpc.Server.Tests;

/// <summary>The frame policy for lagging readers, without a server.</summary>
public sealed class JobEventBufferTests
{
    private static readonly RgbImage Pixel = new(1, 1, new byte[3]);

    private static JobProgressed Step(int iteration, bool preview = false) =>
        new(new StyleTransferProgress(iteration, 100, 0, 0, 0, 1.0 / iteration, TimeSpan.Zero, TimeSpan.Zero, preview ? Pixel : null));

    private static async Task<List<JobEvent>> DrainAsync(JobEventBuffer buffer)
    {
        var items = new List<JobEvent>();
        await foreach (var item in buffer.ReadAllAsync().WithCancellation(new CancellationTokenSource(5000).Token))
        {
            items.Add(item);
        }
        return items;
    }

    [Fact]
    public async Task Add_ReaderAway_KeepsLifecycleCoalescesProgressAndKeepsTheLatestPreviews()
    {
        var buffer = new JobEventBuffer(maxPreviews: 2, TimeProvider.System);
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
        var buffer = new JobEventBuffer(maxPreviews: 1, TimeProvider.System);
        var reader = DrainAsync(buffer);
        for (var i = 1; i <= 50; i++)
        {
            buffer.Add(Step(i, preview: i % 2 == 0));
            await ServerTestSetup.EventuallyAsync(() => buffer.Pending == 0, TimeSpan.FromSeconds(5));
        }
        buffer.Add(new JobFinished("j", null!, TimeSpan.Zero, TimeSpan.Zero));
        buffer.Complete();

        var items = await reader;

        Assert.Equal(Enumerable.Range(1, 50), items.OfType<JobProgressed>().Select(p => p.Progress.Iteration));
        Assert.Equal((0, 0), (buffer.FramesCoalesced, buffer.PreviewsDropped));
        Assert.IsType<JobFinished>(items[^1]);
    }

    [Fact]
    public async Task ReaderIdleSince_GrowsWhileAnEventWaitsOrIsBeingWritten_AndNotWhileTheReaderWaits()
    {
        var buffer = new JobEventBuffer(maxPreviews: 1, TimeProvider.System);
        await using var reader = buffer.ReadAllAsync().GetAsyncEnumerator();
        var next = reader.MoveNextAsync();
        await Task.Delay(100);
        Assert.Equal(TimeSpan.Zero, buffer.ReaderIdleSince);

        buffer.Add(Step(1));
        Assert.True(await next);
        // The reader holds the event (writing it) and does not ask for the next: it is idle from now.
        await Task.Delay(150);
        Assert.True(buffer.ReaderIdleSince >= TimeSpan.FromMilliseconds(100));

        var again = reader.MoveNextAsync();
        Assert.Equal(TimeSpan.Zero, buffer.ReaderIdleSince);
        buffer.Complete(new InvalidOperationException("boom"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await again);
    }
}
