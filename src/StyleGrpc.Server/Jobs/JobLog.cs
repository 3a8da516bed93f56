using StyleGrpc.Server.Jobs.Events;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// What a job keeps of its events for readers that attach late or re-attach: every event except progress, plus the latest
/// progress event and the latest one with a preview. Bounded by the job's lifecycle events, whatever its iteration count.
/// Not thread-safe: its <see cref="Job"/> guards it.
/// </summary>
public sealed class JobLog
{
    private readonly List<JobEvent> kept = [];

    /// <summary>The events kept, in sequence order.</summary>
    public IReadOnlyList<JobEvent> Events => kept;

    /// <summary>The latest progress event, if any.</summary>
    public JobProgressed? LatestProgress { get; private set; }

    /// <summary>Adds <paramref name="item"/>, dropping what it supersedes.</summary>
    public void Add(JobEvent item)
    {
        if (item is JobProgressed progress)
        {
            var withPreview = progress.Progress.Preview is not null;
            // A newer progress event supersedes the older plain one; a newer preview supersedes the older preview.
            kept.RemoveAll(e => e is JobProgressed p && (p.Progress.Preview is null || withPreview));
            LatestProgress = progress;
        }
        kept.Add(item);
    }
}
