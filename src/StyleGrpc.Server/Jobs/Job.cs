using StyleGrpc.Server.Jobs.Events;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// One admitted job, of either <see cref="JobKind"/>. It runs on its own (see <see cref="JobRunner"/>) whatever its readers do. Its events are
/// <see cref="Publish">published</see> once, numbered, kept in a bounded <see cref="JobLog"/> and handed to every reader's
/// own <see cref="JobEventBuffer"/>; a reader that <see cref="Subscribe">subscribes</see> late (a re-attach) first gets the
/// kept events after the sequence it names. <see cref="Stop"/> ends the run within one iteration; the first reason given wins.
/// </summary>
public sealed class Job
{
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly JobLog log = new();
    private readonly List<JobEventBuffer> readers = [];
    private readonly Func<JobEventBuffer> newBuffer;
    private int reason = -1;
    private long sequence;
    private bool completed;
    private bool checkpointRequested;
    private bool running;
    private TaskCompletionSource? stored;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, object> features = new();
    private readonly TaskCompletionSource settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? error;

    internal Job(JobIdentity identity, string caller, JobSpec spec, Func<JobEventBuffer> newBuffer, JobCheckpoint? resumeFrom)
    {
        ResumeFrom = resumeFrom;
        Identity = identity;
        Caller = caller;
        Spec = spec;
        this.newBuffer = newBuffer;
        sequence = identity.FirstSequence - 1;
    }

    public string Id => Identity.Id;

    /// <summary>The job's ID, attempt and where its sequence numbers start.</summary>
    public JobIdentity Identity { get; }

    /// <summary>Who asked for it: the API key's ID, or <c>anonymous</c>.</summary>
    public string Caller { get; }

    /// <summary>The checked request: a <see cref="StylizeJobSpec"/> or a <see cref="TrainingJobSpec"/>.</summary>
    public JobSpec Spec { get; }

    /// <summary>Estimated peak memory, in bytes (the spec's).</summary>
    public long EstimatedBytes => Spec.EstimatedBytes;

    /// <summary>Cancelled when the job is stopped, for any reason.</summary>
    public CancellationToken StopToken => stop.Token;

    /// <summary>Why the job was stopped, if it was.</summary>
    public JobStopReason? StopReason => Volatile.Read(ref reason) is var r and >= 0 ? (JobStopReason)r : null;

    /// <summary>Completes when the run has ended (its slot is free), however it ended.</summary>
    public Task Completion { get; internal set; } = Task.CompletedTask;

    /// <summary>The W3C trace context of this attempt's job span (null while untraced), kept so a later attempt can link to it.</summary>
    public string? TraceParent { get; internal set; }

    /// <summary>
    /// Keeps what another part keeps about this job while it is live, by type (the journal's state of it, the queue entry its
    /// worker renews), so the runner's registry is the process's one registry of live jobs.
    /// </summary>
    public void Set<T>(T feature) where T : class => features[typeof(T)] = feature;

    /// <summary>What <see cref="Set{T}"/> kept of this type; null when nothing was.</summary>
    public T? Get<T>() where T : class => features.TryGetValue(typeof(T), out var feature) ? (T)feature : null;

    /// <summary>Completes once whoever writes the job's end has written it (<see cref="Settle"/>): the runner forgets the job then.</summary>
    public Task Settled => settled.Task;

    /// <summary>The job's end is written (or it never will be here): the runner may forget it once its run has ended.</summary>
    public void Settle() => settled.TrySetResult();

    /// <summary>The checkpoint this attempt continues from; null when it starts from the beginning.</summary>
    public JobCheckpoint? ResumeFrom { get; }

    /// <summary>Raised on the engine thread with each checkpoint the run writes; the receiver stores it elsewhere and returns.</summary>
    public event Action<Job, JobCheckpoint>? Checkpointed;

    /// <summary>True once <see cref="RequestCheckpoint"/> asked for one: the run writes it after its current iteration.</summary>
    public bool CheckpointRequested => Volatile.Read(ref checkpointRequested);

    /// <summary>Asks the run for a checkpoint now (the server drains).</summary>
    public void RequestCheckpoint() => Volatile.Write(ref checkpointRequested, true);

    /// <summary>True once the job's run has started (it left the queue and its targets are resolved).</summary>
    public bool IsRunning => Volatile.Read(ref running);

    internal void MarkRunning() => Volatile.Write(ref running, true);

    /// <summary>Completes when the next checkpoint has been stored (or its store failed): <see cref="CheckpointStored"/>.</summary>
    public Task NextCheckpointStored()
    {
        lock (gate)
        {
            return (stored ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Whoever stores checkpoints says one was stored (or could not be).</summary>
    public void CheckpointStored()
    {
        TaskCompletionSource? signal;
        lock (gate)
        {
            (signal, stored) = (stored, null);
        }
        signal?.TrySetResult();
    }

    /// <summary>Hands a checkpoint the run wrote to whoever stores it.</summary>
    internal void OnCheckpoint(JobCheckpoint checkpoint)
    {
        Volatile.Write(ref checkpointRequested, false);
        Checkpointed?.Invoke(this, checkpoint);
    }

    /// <summary>The latest progress event published, if any.</summary>
    public JobProgressed? LatestProgress
    {
        get
        {
            lock (gate)
            {
                return log.LatestProgress;
            }
        }
    }

    /// <summary>The last sequence number published.</summary>
    public long LastSequence
    {
        get
        {
            lock (gate)
            {
                return sequence;
            }
        }
    }

    /// <summary>Numbers <paramref name="item"/>, keeps it in the log and hands it to every reader. Ignored once completed.</summary>
    public void Publish(JobEvent item)
    {
        lock (gate)
        {
            if (completed)
            {
                return;
            }
            item = item with { Sequence = ++sequence };
            log.Add(item);
            foreach (var reader in readers)
            {
                reader.Add(item);
            }
        }
    }

    /// <summary>Ends every reader's stream: they get what waits, then <paramref name="failure"/> (if any).</summary>
    public void Complete(Exception? failure)
    {
        lock (gate)
        {
            completed = true;
            error = failure;
            foreach (var reader in readers)
            {
                reader.Complete(failure);
            }
        }
    }

    /// <summary>A reader made before the job started (<see cref="JobRunner.Expect"/>): it gets every event from the first.</summary>
    internal void Adopt(JobEventBuffer reader)
    {
        lock (gate)
        {
            readers.Add(reader);
        }
    }

    /// <summary>
    /// A new reader: its buffer starts with the kept events after <paramref name="afterSequence"/>, then follows live.
    /// <see cref="Unsubscribe"/> it when the call ends.
    /// </summary>
    public JobEventBuffer Subscribe(long afterSequence)
    {
        var buffer = newBuffer();
        lock (gate)
        {
            foreach (var item in log.Events.Where(e => e.Sequence > afterSequence))
            {
                buffer.Add(item);
            }
            if (completed)
            {
                buffer.Complete(error);
            }
            else
            {
                readers.Add(buffer);
            }
        }
        return buffer;
    }

    /// <summary>The reader's call ended: it gets nothing more.</summary>
    public void Unsubscribe(JobEventBuffer buffer)
    {
        lock (gate)
        {
            readers.Remove(buffer);
        }
    }

    /// <summary>Stops the job for <paramref name="why"/>; later calls are ignored.</summary>
    public void Stop(JobStopReason why)
    {
        if (Interlocked.CompareExchange(ref reason, (int)why, -1) != -1)
        {
            return;
        }
        // The source holds no timers or links, so it is never disposed: a late cancel may still stop a job whose run has
        // ended, and that must not throw.
        stop.Cancel();
    }
}
