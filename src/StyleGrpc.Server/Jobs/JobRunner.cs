using System.Diagnostics;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Jobs.Events;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;
using StyleGrpc.Server.Training;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// Runs the jobs this process took (Stylize runs and feed-forward trainings): the wait for a slot and room in the memory
/// budget, style targets, the run, and the outcome log. It is the process's one registry of live jobs. A job runs on its
/// own, whatever its watchers do; each watcher's events wait in its own bounded <see cref="JobEventBuffer"/>. Its slot is
/// released when the <em>run</em> ends; runs that pass <see cref="StyleGrpcServerOptions.MaxRunSeconds"/> are stopped.
/// </summary>
public sealed class JobRunner
{
    private readonly ModelHost model;
    private readonly StyleRegistry registry;
    private readonly FeedForwardNetworks networks;
    private readonly NetworkTraining training;
    private readonly Videos.VideoRun videos;
    private readonly JobScheduler scheduler;
    private readonly ServerMetrics metrics;
    private readonly StyleGrpcServerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<JobRunner> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Job> active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobEventBuffer> expected = new(StringComparer.Ordinal);

    public JobRunner(ModelHost model, StyleRegistry registry, FeedForwardNetworks networks, NetworkTraining training, Videos.VideoRun videos,
        JobScheduler scheduler, ServerMetrics metrics, IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<JobRunner> logger)
    {
        this.videos = videos;
        this.networks = networks;
        this.training = training;
        this.metrics = metrics;
        this.model = model;
        this.registry = registry;
        this.scheduler = scheduler;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
    }

    private TaskCompletionSource taken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when this process next takes a job: a watcher waiting for its job to run here looks again then.</summary>
    public Task NextTaken
    {
        get
        {
            lock (gate)
            {
                return taken.Task;
            }
        }
    }

    /// <summary>Raised when a job's run has ended and its slot is free, however it ended.</summary>
    public event Action<JobOutcome>? JobEnded;

    /// <summary>The job with this ID if this process holds it (waiting for a slot, or running).</summary>
    public Job? Find(string id)
    {
        lock (gate)
        {
            return active.GetValueOrDefault(id);
        }
    }

    /// <summary>Jobs this process holds: waiting for a slot, running, or having their end written.</summary>
    public int Active
    {
        get
        {
            lock (gate)
            {
                return active.Count;
            }
        }
    }

    /// <summary>
    /// Starts a stored job in the background: it waits for a slot (and room in the memory budget), then runs. Admission (the
    /// caller's rate and caps, whether it can ever fit the budget, the queue's capacity) was decided when it was submitted;
    /// <see cref="Operations.JobWorker"/> takes a job only when this process has a free slot.
    /// </summary>
    /// <param name="spec">The checked request (a Stylize run and its plan, or a training).</param>
    /// <param name="caller">Who asked: the API key's ID, or <c>anonymous</c>.</param>
    /// <param name="identity">The job's identity: its ID, this attempt, and where its sequence numbers start.</param>
    /// <param name="resumeFrom">The checkpoint this attempt continues from; null = from the beginning.</param>
    /// <exception cref="ServerStoppingException">The server is stopping.</exception>
    /// <exception cref="QueueFullException">This process cannot take another job now.</exception>
    public Job Start(JobSpec spec, string caller, JobIdentity identity, JobCheckpoint? resumeFrom)
    {
        var engine = model.Engine;
        var estimate = spec.EstimatedBytes;
        var id = identity.Id;
        var ticket = scheduler.TryEnqueue(id, estimate) ?? throw new QueueFullException(options.QueueCapacity);
        var job = new Job(identity, caller, spec, NewReader, resumeFrom);
        TaskCompletionSource wake;
        lock (gate)
        {
            active[id] = job;
            if (expected.Remove(id, out var early))
            {
                job.Adopt(early);
            }
            (wake, taken) = (taken, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        wake.SetResult();
        var (width, height) = OutputSize(spec);
        ServerLog.JobAccepted(logger, id, caller, spec.Describe(), width, height, spec.TotalIterations, ticket.Position, estimate >> 20);
        job.Completion = Task.Run(() => RunAsync(job, ticket, engine), CancellationToken.None);
        // Forgotten here once its run has ended and its end is written: its record lives on in the job store.
        Task.WhenAll(job.Completion, job.Settled).ContinueWith(_ =>
        {
            lock (gate)
            {
                active.Remove(id);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return job;
    }

    /// <summary>
    /// A reader for a job that is stored but not yet taken (a Stylize call watches the job it just submitted): when this
    /// process takes the job, the reader gets every event of that attempt from its first, however fast it runs. Pass it to
    /// <see cref="Forget"/> when the watch ends.
    /// </summary>
    public JobEventBuffer Expect(string id)
    {
        var reader = NewReader();
        lock (gate)
        {
            expected[id] = reader;
        }
        return reader;
    }

    /// <summary>Drops what <see cref="Expect"/> made; false when a job this process took has it already (it reads that job).</summary>
    public bool Forget(string id, JobEventBuffer reader)
    {
        lock (gate)
        {
            return expected.TryGetValue(id, out var kept) && kept == reader && expected.Remove(id);
        }
    }

    // Each reader's own bounded buffer.
    private JobEventBuffer NewReader() => new(options.BufferedPreviews, time, MinProgressInterval);

    /// <summary>The error a call ends with when its job was stopped for <paramref name="reason"/>.</summary>
    public JobStoppedException Stopped(JobStopReason reason) => new(reason, JobStopReasons.Message(reason, options));

    // Progress frames without a preview closer together than this are coalesced (counted) by the job's event buffer.
    private TimeSpan MinProgressInterval => TimeSpan.FromSeconds(1 / options.MaxProgressFramesPerSecond);

    /// <summary>
    /// Shutdown: waits up to <paramref name="drain"/> for running jobs to end, then stops the rest
    /// (their callers get UNAVAILABLE) and waits for their runs to end and their readers to get the status.
    /// </summary>
    public async Task DrainAsync(TimeSpan drain, CancellationToken cancellationToken)
    {
        var all = Snapshot();
        // Running jobs write a checkpoint after their current iteration and are handed back: the next start, or another
        // replica, continues them from it. Queued ones were refused by the scheduler and stay queued in the job store.
        var running = all.Where(j => j.IsRunning && !j.Completion.IsCompleted).ToList();
        var stored = running.Select(j => j.NextCheckpointStored()).ToList();
        foreach (var job in running)
        {
            job.RequestCheckpoint();
        }
        await Task.WhenAny(Task.WhenAll(stored), Task.WhenAll(running.Select(j => j.Completion)), Task.Delay(drain, time, cancellationToken))
            .ConfigureAwait(false);
        foreach (var job in all.Where(j => !j.Completion.IsCompleted))
        {
            job.Stop(JobStopReason.Shutdown);
        }
        await Task.WhenAll(all.Select(j => j.Completion)).WaitAsync(TimeSpan.FromSeconds(10), time, cancellationToken).ConfigureAwait(false);
        // Give the readers a moment to send the final status of each stopped job before the web server stops.
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(5);
        while (Active > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The jobs this process holds now.</summary>
    public IReadOnlyList<Job> Live() => Snapshot();

    private List<Job> Snapshot()
    {
        lock (gate)
        {
            return [.. active.Values];
        }
    }

    private async Task RunAsync(Job job, JobTicket ticket, StyleTransferEngine engine)
    {
        var clock = Stopwatch.StartNew();
        var spec = job.Spec;
        var outcome = "failed";
        var label = "failed";
        var iterations = 0;
        TimeSpan queueTime = TimeSpan.Zero, runTime = TimeSpan.Zero;
        Exception? error = null;
        // A later attempt's span links to the one before it, so a trace shows a job's attempts together.
        IEnumerable<ActivityLink>? links = job.Identity.PreviousTrace is { } previous && ActivityContext.TryParse(previous, null, out var context)
            ? [new ActivityLink(context)]
            : null;
        using var span = ServerMetrics.Jobs.StartActivity("stylegrpc.job", ActivityKind.Internal, parentContext: default, links: links);
        job.TraceParent = span?.Id;
        var (width, height) = OutputSize(spec);
        span?.SetTag("stylegrpc.job.attempt", job.Identity.Attempt);
        span?.SetTag("stylegrpc.job.id", job.Id);
        span?.SetTag("stylegrpc.job.kind", spec.Kind.ToString());
        span?.SetTag("stylegrpc.job.caller", job.Caller);
        span?.SetTag("stylegrpc.job.size", $"{width}x{height}");
        try
        {
            using (ticket)
            {
                using (ServerMetrics.Jobs.StartActivity("stylegrpc.job.queue_wait"))
                {
                    await WaitForTurnAsync(job, ticket).ConfigureAwait(false);
                }
                queueTime = clock.Elapsed;
                using var runLimit = new CancellationTokenSource();
                if (options.MaxRunSeconds > 0)
                {
                    runLimit.CancelAfter(TimeSpan.FromSeconds(options.MaxRunSeconds));
                }
                using var maxRun = runLimit.Token.Register(() => job.Stop(JobStopReason.MaxRunTime));
                (iterations, runTime) = spec switch
                {
                    TrainingJobSpec train => await training.RunAsync(job, train, engine, queueTime).ConfigureAwait(false),
                    VideoJobSpec video => await videos.RunAsync(job, video, engine, queueTime).ConfigureAwait(false),
                    StylizeJobSpec { Method: StylizeMethod.FeedForward } stylize => await RunFeedForwardAsync(job, stylize, engine, queueTime, clock).ConfigureAwait(false),
                    StylizeJobSpec stylize => await RunOptimizationAsync(job, stylize, engine, queueTime, clock).ConfigureAwait(false),
                    _ => throw new InvalidOperationException($"no run for {spec.Kind} jobs"),
                };
                outcome = label = "completed";
            }
        }
        catch (OperationCanceledException) when (job.StopReason is { } reason)
        {
            outcome = JobStopReasons.Outcome(reason);
            label = JobStopReasons.Label(reason);
            error = Stopped(reason);
        }
        catch (Exception ex)
        {
            (outcome, label) = ex switch
            {
                ServerStoppingException => ("refused: server stopping", "refused_stopping"),
                Storage.StoreUnavailableException => ("handed back: the store is unreachable", "store_unavailable"),
                _ => ("failed", "failed"),
            };
            error = ex;
            if (ErrorStatuses.Of(ex, development: false).Code == (int)Grpc.Core.StatusCode.Internal)
            {
                // The operation tells the caller only "internal error; see the server log": this is that log.
                ServerLog.JobFailedUnexpectedly(logger, job.Id, ex);
            }
        }
        finally
        {
            iterations = iterations > 0 ? iterations : job.LatestProgress?.Progress.Iteration ?? 0;
            runTime = runTime == TimeSpan.Zero && queueTime > TimeSpan.Zero ? clock.Elapsed - queueTime : runTime;
            ServerLog.JobFinished(logger, job.Id, outcome, iterations, (long)queueTime.TotalMilliseconds, (long)runTime.TotalMilliseconds);
            metrics.JobEnded(label, iterations, queueTime, runTime);
            span?.SetTag("stylegrpc.job.outcome", label);
            span?.SetTag("stylegrpc.job.iterations", iterations);
            JobEnded?.Invoke(new JobOutcome(job.Id, job.Caller, outcome, iterations, queueTime, runTime, label));
        }
        if (error is not null && spec is TrainingJobSpec failed)
        {
            // Before the job's end is passed on, so whoever sees the operation end finds the style's state already changed.
            await training.FailedAsync(job, failed, error).ConfigureAwait(false);
        }
        job.Complete(error);
    }

    // Gatys optimisation; with INIT_FEED_FORWARD it starts from the style's network's output at the output size.
    private async Task<(int, TimeSpan)> RunOptimizationAsync(Job job, StylizeJobSpec spec, StyleTransferEngine engine, TimeSpan queueTime, Stopwatch clock)
    {
        var plan = spec.Plan;
        // Decoded only now that the job runs, scaled down by the codec on the way in: a queued job holds its bytes only.
        var content = await Task.Run(() => DecodeContent(spec), job.StopToken).ConfigureAwait(false);
        IReadOnlyList<StyleTargets> targets;
        IReadOnlyList<Engine.Control.StyleRegion> regions;
        using (ServerMetrics.Jobs.StartActivity("stylegrpc.job.resolve_targets"))
        {
            targets = await spec.Style.ResolveAsync(registry, engine, plan, content, job.StopToken).ConfigureAwait(false);
            regions = await JobRegions.ResolveAsync(spec, registry, engine, content, job.StopToken).ConfigureAwait(false);
        }
        RgbImage? start = null;
        var feedForwardVersion = 0;
        if (plan.Options.Init == InitKind.FeedForward)
        {
            using var network = await AcquireNetworkAsync(spec, engine, "options.init", job.StopToken).ConfigureAwait(false);
            start = await network.Model.StylizeOnWorkerAsync(ImageCodec.Resize(content, plan.Width, plan.Height), plan.Options.TileSize, job.StopToken)
                .ConfigureAwait(false);
            feedForwardVersion = network.Version;
        }
        using var run = ServerMetrics.Jobs.StartActivity("stylegrpc.job.run");
        job.MarkRunning();
        job.Publish(new JobStarted(plan.Width, plan.Height, plan.TotalIterations, queueTime, engine.Network.Info.Name, plan.EstimatedBytes));
        var schedule = new CheckpointSchedule(job, TimeSpan.FromSeconds(options.CheckpointSeconds), time);
        var checkpointing = new RunCheckpointing
        {
            ResumeFrom = job.ResumeFrom?.Run,
            IsDue = _ => schedule.IsDue,
            OnCheckpoint = checkpoint =>
            {
                schedule.Taken();
                job.OnCheckpoint(new JobCheckpoint { Run = checkpoint });
            },
        };
        var inputs = new RunInputs
        {
            Regions = regions,
            OnProgress = p => job.Publish(new JobProgressed(p)),
            Checkpointing = checkpointing,
            Start = start,
        };
        var result = await engine.RunOnWorkerAsync(content, targets, plan, inputs, job.StopToken).ConfigureAwait(false);
        job.Publish(new JobFinished(job.Id, result, queueTime, clock.Elapsed) { Attempt = job.Identity.Attempt, FeedForwardVersion = feedForwardVersion });
        return (result.IterationsRun, result.Elapsed);
    }

    // One pass of the style's network at the output size, tiled as the plan says: Accepted, Started and the Result only.
    private async Task<(int, TimeSpan)> RunFeedForwardAsync(Job job, StylizeJobSpec spec, StyleTransferEngine engine, TimeSpan queueTime, Stopwatch clock)
    {
        var plan = spec.Plan;
        var content = await Task.Run(() => DecodeContent(spec), job.StopToken).ConfigureAwait(false);
        using var network = await AcquireNetworkAsync(spec, engine, "options.method", job.StopToken).ConfigureAwait(false);
        using var run = ServerMetrics.Jobs.StartActivity("stylegrpc.job.run");
        job.MarkRunning();
        job.Publish(new JobStarted(plan.Width, plan.Height, 0, queueTime, engine.Network.Info.Name, plan.EstimatedBytes));
        var started = time.GetTimestamp();
        var image = await network.Model.StylizeOnWorkerAsync(ImageCodec.Resize(content, plan.Width, plan.Height), plan.Options.TileSize, job.StopToken)
            .ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(started);
        var result = FeedForwardResults.Of(image, plan, engine, elapsed);
        job.Publish(new JobFinished(job.Id, result, queueTime, clock.Elapsed)
        {
            Attempt = job.Identity.Attempt,
            Method = StylizeMethod.FeedForward,
            FeedForwardVersion = network.Version,
        });
        return (0, elapsed);
    }

    // The network of the job's one registered style (the request was checked for one); FAILED_PRECONDITION naming the field otherwise.
    private async Task<FeedForwardLease> AcquireNetworkAsync(StylizeJobSpec spec, StyleTransferEngine engine, string field, CancellationToken cancellationToken)
    {
        var style = await registry.GetAsync(spec.Style.RegisteredIds[0], cancellationToken).ConfigureAwait(false);
        return await networks.AcquireAsync(style, engine.Network.Info.Fingerprint, field, cancellationToken).ConfigureAwait(false);
    }

    // The size a job's log line and span report: the output's, or a training's crops'.
    private static (int Width, int Height) OutputSize(JobSpec spec) => spec switch
    {
        StylizeJobSpec stylize => (stylize.Plan.Width, stylize.Plan.Height),
        TrainingJobSpec train => (train.Options.ImageSize, train.Options.ImageSize),
        VideoJobSpec video => (video.Decode.Size.Width, video.Decode.Size.Height),
        _ => (0, 0),
    };

    private static async Task WaitForTurnAsync(Job job, JobTicket ticket)
    {
        var reported = ticket.Position;
        while (!ticket.Started.IsCompleted)
        {
            await Task.WhenAny(ticket.NextChange(), ticket.Started).WaitAsync(job.StopToken).ConfigureAwait(false);
            if (!ticket.Started.IsCompleted && ticket.Position != reported)
            {
                reported = ticket.Position;
                job.Publish(new JobQueued(reported));
            }
        }
        await ticket.Started.ConfigureAwait(false);
    }

    private static RgbImage DecodeContent(StylizeJobSpec spec)
    {
        try
        {
            return ImageCodec.Decode(spec.Content.Span, long.MaxValue, Math.Max(spec.Plan.Width, spec.Plan.Height));
        }
        catch (ImageDecodeException ex)
        {
            throw new RequestFieldException("content_image", ex.Message);
        }
    }
}
