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

    /// <summary>
    /// The keeping rule, for events here and for the frames the job store keeps: a newer progress event supersedes an older
    /// plain one, and a newer one with a preview supersedes the older preview too.
    /// </summary>
    public static bool Supersedes(bool newerHasPreview, bool olderHasPreview) => !olderHasPreview || newerHasPreview;

    /// <summary>Adds <paramref name="item"/>, dropping what it supersedes.</summary>
    public void Add(JobEvent item)
    {
        if (item is JobProgressed progress)
        {
            var withPreview = progress.Progress.Preview is not null;
            kept.RemoveAll(e => e is JobProgressed p && Supersedes(withPreview, p.Progress.Preview is not null));
            LatestProgress = progress;
        }
        kept.Add(item);
    }
}
