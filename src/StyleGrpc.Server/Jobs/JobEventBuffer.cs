using System.Runtime.CompilerServices;
using StyleGrpc.Server.Jobs.Events;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// Events of one job waiting for its reader, so the run never waits for the reader. Bounded by policy:
/// a progress event supersedes an unsent progress event without a preview (coalesced, latest wins), so
/// at most one such waits; a progress event with a preview, when <c>maxPreviews</c> previews already
/// wait, drops the oldest waiting one (latest wins). Queue-position events coalesce too. Accepted, started and
/// finished are never dropped. The counts are stamped into every progress and finished event as it is
/// taken, so the reader always learns what it missed. The buffer also tracks whether its reader is
/// keeping up: <see cref="ReaderIdleSince"/> is the time since the reader last asked for an event while
/// one was waiting or being written.
/// </summary>
public sealed class JobEventBuffer
{
    private readonly Lock gate = new();
    private readonly LinkedList<JobEvent> pending = new();
    private readonly int maxPreviews;
    private readonly TimeProvider time;
    private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? fault;
    private bool completed;
    private bool readerHolds;
    private long readerStamp;
    private int previewsPending;

    public JobEventBuffer(int maxPreviews, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPreviews, 1);
        this.maxPreviews = maxPreviews;
        this.time = time;
        readerStamp = time.GetTimestamp();
    }

    /// <summary>Progress events replaced so far because the reader lagged.</summary>
    public int FramesCoalesced { get; private set; }

    /// <summary>Previews dropped so far because the reader lagged.</summary>
    public int PreviewsDropped { get; private set; }

    /// <summary>Events waiting for the reader.</summary>
    public int Pending
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>
    /// How long the reader has kept the job waiting: since it took its last event, while it still holds
    /// that event (writing it) or events wait for it; <see cref="TimeSpan.Zero"/> while it waits for the job.
    /// </summary>
    public TimeSpan ReaderIdleSince
    {
        get
        {
            lock (gate)
            {
                return readerHolds || pending.Count > 0 ? time.GetElapsedTime(readerStamp) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Adds an event, applying the coalescing policy. Ignored once completed.</summary>
    public void Add(JobEvent item)
    {
        lock (gate)
        {
            if (completed)
            {
                return;
            }
            if (pending.Count == 0 && !readerHolds)
            {
                // The reader is waiting for the job, not the other way round: its idle time starts now.
                readerStamp = time.GetTimestamp();
            }
            switch (item)
            {
                case JobProgressed progress:
                    // A newer progress event supersedes an unsent plain one (its losses and timing are newer).
                    if (FindLast(e => e is JobProgressed { Progress.Preview: null }) is { } plain)
                    {
                        pending.Remove(plain);
                        FramesCoalesced++;
                    }
                    if (progress.Progress.Preview is not null)
                    {
                        if (previewsPending >= maxPreviews)
                        {
                            pending.Remove(FindFirst(e => e is JobProgressed { Progress.Preview: not null })!);
                            previewsPending--;
                            PreviewsDropped++;
                        }
                        previewsPending++;
                    }
                    pending.AddLast(item);
                    break;
                case JobQueued when pending.Last?.Value is JobQueued:
                    pending.Last.Value = item;
                    break;
                default:
                    pending.AddLast(item);
                    break;
            }
            Signal();
        }
    }

    /// <summary>Ends the stream: the reader gets the waiting events, then <paramref name="error"/> is thrown (if any).</summary>
    public void Complete(Exception? error = null)
    {
        lock (gate)
        {
            if (completed)
            {
                return;
            }
            completed = true;
            fault = error;
            Signal();
        }
    }

    /// <summary>Yields events as they come, with the loss counts stamped in; throws the job's error at the end.</summary>
    public async IAsyncEnumerable<JobEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            JobEvent? next = null;
            Task wait;
            lock (gate)
            {
                readerHolds = false;
                readerStamp = time.GetTimestamp();
                if (pending.First is { } first)
                {
                    pending.RemoveFirst();
                    next = Stamp(first.Value);
                    readerHolds = true;
                }
                else if (completed)
                {
                    if (fault is not null)
                    {
                        throw fault;
                    }
                    yield break;
                }
                wait = signal.Task;
            }
            if (next is not null)
            {
                yield return next;
                continue;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private LinkedListNode<JobEvent>? FindFirst(Func<JobEvent, bool> match)
    {
        for (var node = pending.First; node is not null; node = node.Next)
        {
            if (match(node.Value))
            {
                return node;
            }
        }
        return null;
    }

    private LinkedListNode<JobEvent>? FindLast(Func<JobEvent, bool> match)
    {
        for (var node = pending.Last; node is not null; node = node.Previous)
        {
            if (match(node.Value))
            {
                return node;
            }
        }
        return null;
    }

    private JobEvent Stamp(JobEvent item)
    {
        switch (item)
        {
            case JobProgressed p:
                if (p.Progress.Preview is not null)
                {
                    previewsPending--;
                }
                return p with { FramesCoalesced = FramesCoalesced, PreviewsDropped = PreviewsDropped };
            case JobFinished f:
                return f with { FramesCoalesced = FramesCoalesced, PreviewsDropped = PreviewsDropped };
            default:
                return item;
        }
    }

    private void Signal() => Interlocked.Exchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
