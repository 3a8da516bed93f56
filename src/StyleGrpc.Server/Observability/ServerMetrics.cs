using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StyleGrpc.Server.Observability;

/// <summary>
/// The server's own instruments, defined once with <see cref="System.Diagnostics.Metrics"/> (meter <see cref="MeterName"/>)
/// and exported by OpenTelemetry (Prometheus text on <c>/metrics</c>). Prometheus names: dots become underscores, counters
/// end in <c>_total</c>, seconds in <c>_seconds</c> — e.g. <c>stylegrpc_jobs_total{outcome="completed"}</c>. Gauges that
/// read other services' state live in <see cref="ServerGauges"/>. Also the <see cref="ActivitySource"/> of job spans.
/// </summary>
public sealed class ServerMetrics
{
    public const string MeterName = "StyleGrpc.Server";

    /// <summary>Spans: one per job (queue wait, target resolution and run as children).</summary>
    public static readonly ActivitySource Jobs = new("StyleGrpc.Jobs");

    private readonly Counter<long> jobs;
    private readonly Histogram<double> queueWait;
    private readonly Histogram<double> runTime;
    private readonly Histogram<double> iterationsPerSecond;
    private readonly Counter<long> iterations;
    private readonly Counter<long> cacheHits;
    private readonly Counter<long> cacheMisses;
    private readonly Counter<long> targetComputations;
    private readonly Counter<long> checkpoints;
    private readonly Counter<long> checkpointBytes;
    private readonly Histogram<double> checkpointSeconds;
    private readonly Counter<long> resumed;
    private readonly Counter<long> webhookAttempts;

    public ServerMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        jobs = Meter.CreateCounter<long>("stylegrpc.jobs", description: "Stylize jobs by outcome: completed, cancelled, deadline, stalled, max_run_time, shutdown, refused_queue_full, refused_memory, refused_quota, refused_stopping, failed");
        queueWait = Meter.CreateHistogram<double>("stylegrpc.job.queue_wait", "s", "Time a job waited for a slot");
        runTime = Meter.CreateHistogram<double>("stylegrpc.job.run_time", "s", "Time a job ran (targets and optimisation)");
        iterationsPerSecond = Meter.CreateHistogram<double>("stylegrpc.job.iterations_per_second", description: "Optimiser iterations per second of each job that ran");
        iterations = Meter.CreateCounter<long>("stylegrpc.iterations", description: "Optimiser iterations run");
        cacheHits = Meter.CreateCounter<long>("stylegrpc.style_cache.hits", description: "Style targets served from memory");
        cacheMisses = Meter.CreateCounter<long>("stylegrpc.style_cache.misses", description: "Style targets not in memory (read from the store or computed)");
        targetComputations = Meter.CreateCounter<long>("stylegrpc.style_targets.computations", description: "Gram target computations (registration or recomputation)");
        checkpoints = Meter.CreateCounter<long>("stylegrpc.checkpoints", description: "Checkpoints of running jobs written to the job store");
        checkpointBytes = Meter.CreateCounter<long>("stylegrpc.checkpoint.bytes", "By", "Bytes of checkpoints written");
        checkpointSeconds = Meter.CreateHistogram<double>("stylegrpc.checkpoint.write_time", "s", "Time to serialise and store one checkpoint");
        resumed = Meter.CreateCounter<long>("stylegrpc.jobs.resumed", description: "Jobs admitted again as a later attempt (after a restart, a drain, or a lost replica), by whether they had a checkpoint");
        webhookAttempts = Meter.CreateCounter<long>("stylegrpc.webhook.attempts", description: "Completion webhook delivery attempts by outcome: delivered, retry, failed (given up)");
    }

    /// <summary>A webhook delivery attempt ended: <c>delivered</c>, <c>retry</c> (failed, another is scheduled) or <c>failed</c> (given up).</summary>
    public void WebhookAttempted(string outcome) => webhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>The meter, for gauges registered elsewhere.</summary>
    public Meter Meter { get; }

    /// <summary>A job that was admitted ended (<paramref name="outcome"/>), after waiting and running as given.</summary>
    public void JobEnded(string outcome, int iterationsRun, TimeSpan queue, TimeSpan run)
    {
        jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        queueWait.Record(queue.TotalSeconds);
        if (run > TimeSpan.Zero)
        {
            runTime.Record(run.TotalSeconds);
            iterations.Add(iterationsRun);
            if (iterationsRun > 0)
            {
                iterationsPerSecond.Record(iterationsRun / run.TotalSeconds);
            }
        }
    }

    /// <summary>A job was refused before it was admitted (<c>refused_*</c>).</summary>
    public void JobRefused(string outcome) => jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void CacheHit() => cacheHits.Add(1);

    public void CacheMiss() => cacheMisses.Add(1);

    public void TargetsComputed() => targetComputations.Add(1);

    /// <summary>A checkpoint of <paramref name="bytes"/> bytes was stored in <paramref name="took"/>.</summary>
    public void CheckpointWritten(long bytes, TimeSpan took)
    {
        checkpoints.Add(1);
        checkpointBytes.Add(bytes);
        checkpointSeconds.Record(took.TotalSeconds);
    }

    /// <summary>
    /// A job was admitted again as its next attempt: <paramref name="cause"/> <c>restart</c> (this process found it
    /// unfinished at start), <c>handed_back</c> (a draining replica gave it back) or <c>claimed</c> (its replica stopped renewing
    /// its lease: dead or cut off).
    /// </summary>
    public void JobResumed(string cause, bool fromCheckpoint) => resumed.Add(1,
        new KeyValuePair<string, object?>("cause", cause), new KeyValuePair<string, object?>("from_checkpoint", fromCheckpoint));
}
