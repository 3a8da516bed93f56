using StyleGrpc.Server.Observability;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// This process's feeds of jobs it does not run (queued, or run by another replica): one per watched job, polling the
/// store every 250 ms for its record and the frames stored since the last poll, and the queue for its place while it
/// waits (at most three reads, whatever the job holds and however many watch it), and ending with its last watcher or
/// the job.
/// </summary>
public sealed class RemoteJobFeeds(IJobStore store, IJobQueue queue, TimeProvider time, ILogger<RemoteJobFeeds> logger)
{
    /// <summary>How often a feed reads the store.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock gate = new();
    private readonly Dictionary<string, RemoteJobFeed> feeds = new(StringComparer.Ordinal);

    /// <summary>Reads so far, over every feed: what the feeds cost the store.</summary>
    public long Polls => Interlocked.Read(ref polls);

    private long polls;

    /// <summary>
    /// Follows the job for one more watcher, who has the frames up to <paramref name="readUpTo"/>; <see cref="Leave"/> when done.
    /// </summary>
    public RemoteJobFeed Join(JobRecord record, long readUpTo)
    {
        lock (gate)
        {
            if (!feeds.TryGetValue(record.Id, out var feed))
            {
                feed = new RemoteJobFeed(record.Id, record, readUpTo);
                feeds[record.Id] = feed;
                _ = Task.Run(() => PollAsync(feed), CancellationToken.None);
            }
            feed.Watchers++;
            return feed;
        }
    }

    public void Leave(RemoteJobFeed feed)
    {
        lock (gate)
        {
            if (--feed.Watchers > 0)
            {
                return;
            }
            feeds.Remove(feed.Id);
        }
        feed.Stop.Cancel();
    }

    private async Task PollAsync(RemoteJobFeed feed)
    {
        try
        {
            while (!feed.Stop.IsCancellationRequested)
            {
                await Task.Delay(PollInterval, time, feed.Stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref polls);
                // The record first: frames are stored before the record that counts them, so a record that says the job
                // ended comes with every frame up to its end in the same poll.
                var record = await store.GetAsync(feed.Id, feed.Stop.Token).ConfigureAwait(false);
                if (record is null)
                {
                    feed.Fail(new OperationNotFoundException(OperationNames.Of(feed.Id)));
                    return;
                }
                var frames = await store.ReadFramesAsync(feed.Id, feed.LastRead, feed.Stop.Token).ConfigureAwait(false);
                var position = record is { State: JobState.Queued, StartTime: null } ? await queue.PositionAsync(feed.Id).ConfigureAwait(false) ?? 0 : 0;
                feed.Update(record, frames, position);
                if (record.Done)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (feed.Stop.IsCancellationRequested)
        {
            // Its last watcher left.
        }
        catch (Exception ex)
        {
            ServerLog.RemoteWatchFailed(logger, feed.Id, ex.Message, ex);
            feed.Fail(ex);
        }
    }
}
