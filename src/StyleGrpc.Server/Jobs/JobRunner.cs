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
/// Owns the life of every job (Stylize runs and feed-forward trainings): admission (memory budget, the caller's quota, the queue), the
/// wait for a slot, style targets, the run, and the outcome log. A job runs on its own, whatever its
/// reader does; its events wait in a bounded <see cref="JobEventBuffer"/>. Its slot is released when
/// the <em>run</em> ends. A watchdog stops jobs whose reader has taken nothing for
/// <see cref="StyleGrpcServerOptions.StallTimeoutSeconds"/>, and runs that pass
/// <see cref="StyleGrpcServerOptions.MaxRunSeconds"/> are stopped too.
/// </summary>
public sealed class JobRunner : IDisposable
{
    private readonly ModelHost model;
    private readonly StyleRegistry registry;
    private readonly FeedForwardNetworks networks;
    private readonly NetworkTraining training;
    private readonly JobScheduler scheduler;
    private readonly MemoryBudget memory;
    private readonly CallerQuotas quotas;
    private readonly ServerMetrics metrics;
    private readonly StyleGrpcServerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<JobRunner> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Job> active = new(StringComparer.Ordinal);
    private readonly ITimer watchdog;

    public JobRunner(ModelHost model, StyleRegistry registry, FeedForwardNetworks networks, NetworkTraining training, JobScheduler scheduler,
        MemoryBudget memory, CallerQuotas quotas, ServerMetrics metrics, IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<JobRunner> logger)
    {
        this.networks = networks;
        this.training = training;
        this.metrics = metrics;
        this.model = model;
        this.registry = registry;
        this.scheduler = scheduler;
        this.memory = memory;
        this.quotas = quotas;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(this.options.StallTimeoutSeconds * 1000 / 4, 50, 1000));
        watchdog = time.CreateTimer(_ => StopStalledReaders(), null, period, period);
    }

    /// <summary>Raised when a job's run has ended and its slot is free, however it ended.</summary>
    public event Action<JobOutcome>? JobEnded;

    /// <summary>The job with this ID if this process holds it (queued, running, or owned by a call that has not ended).</summary>
    public Job? Find(string id)
    {
        lock (gate)
        {
            return active.GetValueOrDefault(id);
        }
    }

    /// <summary>Jobs admitted and not yet finished with (running, queued, or with events still unread).</summary>
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
    /// Admits a job and starts it in the background. Throws at once, with nothing started, when the caller's rate or
    /// job quota is used up, the job could never fit the memory budget, the server is stopping, or the queue is full.
    /// </summary>
    /// <param name="spec">The checked request (a Stylize run and its plan, or a training).</param>
    /// <param name="caller">Who asks: the API key's ID, or <c>anonymous</c>.</param>
    /// <param name="identity">The job's identity when it resumes; null for a new job.</param>
    /// <param name="owned">
    /// True when a call owns the job (Stylize): it stays <see cref="Active"/> until <see cref="Release"/>. Otherwise (a
    /// submitted or resumed job) it is forgotten here when its run ends; its record lives on in the job store.
    /// </param>
    /// <param name="resumeFrom">The checkpoint a resumed job continues from; null = from the beginning.</param>
    /// <param name="admitted">
    /// True for a job admitted when it was submitted (taken from the fleet's queue, or resumed): the caller's rate, caps and
    /// the memory budget were decided then, once; here it only waits for a slot.
    /// </param>
    public Job Submit(JobSpec spec, string caller, JobIdentity? identity = null, bool owned = false, JobCheckpoint? resumeFrom = null, bool admitted = false)
    {
        var engine = model.Engine;
        var estimate = spec.EstimatedBytes;
        identity ??= JobIdentity.New(time.GetUtcNow());
        var id = identity.Id;
        IDisposable? quota = null;
        JobTicket ticket;
        try
        {
            if (!admitted)
            {
                if (spec.Kind == JobKind.Stylize)
                {
                    quotas.CountStylize(caller);
                }
                RequireWithinBudget(spec, memory.BudgetBytes, engine);
                quota = quotas.EnterJob(caller);
            }
            ticket = scheduler.TryEnqueue(id, estimate) ?? throw new QueueFullException(options.QueueCapacity);
        }
        catch (Exception ex)
        {
            quota?.Dispose();
            metrics.JobRefused(ex switch
            {
                QuotaExceededException => "refused_quota",
                MemoryBudgetExceededException => "refused_memory",
                QueueFullException => "refused_queue_full",
                ServerStoppingException => "refused_stopping",
                _ => "failed",
            });
            throw;
        }
        var job = new Job(identity, caller, spec, () => new JobEventBuffer(options.BufferedPreviews, time, MinProgressInterval), resumeFrom);
        lock (gate)
        {
            active[id] = job;
        }
        var (width, height) = OutputSize(spec);
        ServerLog.JobAccepted(logger, id, caller, spec.Describe(), width, height, spec.TotalIterations, ticket.Position, estimate >> 20);
        if (owned)
        {
            // The owning call's reader exists before the first event, so it misses nothing (a late reader gets the log).
            job.Subscribe(0, owner: true);
        }
        job.Publish(new JobAccepted(id, ticket.Position));
        job.Completion = Task.Run(() => RunAsync(job, ticket, quota, engine), CancellationToken.None);
        if (!owned)
        {
            Release(job);
        }
        return job;
    }

    /// <summary>
    /// Refuses a job that could never fit <paramref name="budgetBytes"/>, saying what would fit: the one check for local and
    /// fleet submissions.
    /// </summary>
    public static void RequireWithinBudget(JobSpec spec, long budgetBytes, StyleTransferEngine engine)
    {
        if (spec.EstimatedBytes <= budgetBytes)
        {
            return;
        }
        throw spec switch
        {
            StylizeJobSpec { Method: StylizeMethod.Optimization } stylize =>
                new MemoryBudgetExceededException(spec.EstimatedBytes, budgetBytes, engine.LargestSideWithin(stylize.Plan, budgetBytes)),
            StylizeJobSpec => new MemoryBudgetExceededException(spec.EstimatedBytes, budgetBytes, 0, "ask for a smaller options.max_side"),
            _ => new MemoryBudgetExceededException(spec.EstimatedBytes, budgetBytes, 0, "ask for a smaller image_size or batch_size"),
        };
    }

    /// <summary>The reader is done with <paramref name="job"/> (the call ended); forget it once its run has ended too.</summary>
    public void Release(Job job) =>
        job.Completion.ContinueWith(_ =>
        {
            lock (gate)
            {
                active.Remove(job.Id);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

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

    private List<Job> Snapshot()
    {
        lock (gate)
        {
            return [.. active.Values];
        }
    }

    private async Task RunAsync(Job job, JobTicket ticket, IDisposable? quota, StyleTransferEngine engine)
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
            (outcome, label) = ex is ServerStoppingException ? ("refused: server stopping", "refused_stopping") : ("failed", "failed");
            error = ex;
        }
        finally
        {
            quota?.Dispose();
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

    private void StopStalledReaders()
    {
        var limit = TimeSpan.FromSeconds(options.StallTimeoutSeconds);
        foreach (var job in Snapshot())
        {
            if (job.StopReason is null && job.Owner is { } owner && owner.ReaderIdleSince > limit)
            {
                ServerLog.ReaderStalled(logger, job.Id, job.Caller, options.StallTimeoutSeconds, owner.Pending);
                job.Stop(JobStopReason.ReaderStalled);
            }
        }
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

    public void Dispose() => watchdog.Dispose();
}
