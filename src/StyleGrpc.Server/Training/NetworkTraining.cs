using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Jobs.Events;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Training;

/// <summary>
/// The run of a training job, once it has its slot: the style's targets for the trainer's layers, the photos, the
/// training on an engine worker with checkpoints every <see cref="StyleGrpcServerOptions.CheckpointSeconds"/> (and when the
/// job asks for one, as a drain does), then the network stored with the style as its next version; and the style's state
/// when a training ends without one (<see cref="FailedAsync"/>).
/// </summary>
public sealed class NetworkTraining(StyleRegistry registry, FeedForwardNetworks networks, TrainingPhotoSource photos, IOptions<StyleGrpcServerOptions> options,
    IHostEnvironment environment, TimeProvider time, ILogger<NetworkTraining> logger)
{
    /// <summary>Runs <paramref name="job"/>'s training; returns the iterations run and the training time.</summary>
    public async Task<(int Iterations, TimeSpan Elapsed)> RunAsync(Job job, TrainingJobSpec spec, StyleTransferEngine engine, TimeSpan queueTime)
    {
        var operation = OperationNames.Of(job.Id);
        var style = await registry.GetAsync(spec.StyleId, job.StopToken).ConfigureAwait(false);
        if (style.Version != spec.StyleVersion)
        {
            throw new PreconditionFailedException("name", $"style '{spec.StyleId}' was registered again since its training was asked for");
        }
        var trainer = new FeedForwardTrainer(engine);
        var targets = await registry.GetTargetsAsync(spec.StyleId, engine, engine.Preset(spec.Options.Preset).Name, trainer.StyleLayers(spec.Options),
            job.StopToken).ConfigureAwait(false);
        var found = photos.Open();
        if (found is not { Count: > 0 })
        {
            throw new PreconditionFailedException(null, NoPhotos);
        }
        job.MarkRunning();
        job.Publish(new JobStarted(spec.Options.ImageSize, spec.Options.ImageSize, spec.Options.Iterations, queueTime, engine.Network.Info.Name,
            spec.EstimatedBytes));
        var schedule = new CheckpointSchedule(job, TimeSpan.FromSeconds(options.Value.CheckpointSeconds), time);
        var checkpointing = new FeedForwardCheckpointing
        {
            ResumeFrom = job.ResumeFrom?.Training,
            IsDue = _ => schedule.IsDue,
            OnCheckpoint = checkpoint =>
            {
                schedule.Taken();
                job.OnCheckpoint(new JobCheckpoint { Training = checkpoint });
            },
        };
        var result = await trainer.TrainOnWorkerAsync(found, targets, spec.Options, p => job.Publish(new JobProgressed(ToProgress(p))), checkpointing,
            job.StopToken).ConfigureAwait(false);
        var stored = await networks.StoreTrainedAsync(spec.StyleId, spec.StyleVersion, result, spec.NetworkFingerprint, operation,
                spec.Options.ImageSize, CancellationToken.None).ConfigureAwait(false)
            ?? throw new PreconditionFailedException("name", $"style '{spec.StyleId}' was registered again or deleted while its network trained");
        job.Publish(new JobTrained(spec.StyleId, stored.FeedForward!.Version, result.Iterations, result.FinalLoss));
        return (result.Iterations, result.Elapsed);
    }

    /// <summary>
    /// A training ended without its network, however (failed, cancelled, refused while queued): the style says FAILED with the
    /// error. One stopped because this process stops is left TRAINING, for the next start or another replica to resume.
    /// </summary>
    public async Task FailedAsync(Job job, TrainingJobSpec spec, Exception error)
    {
        if (Interrupted(job, error))
        {
            return;
        }
        try
        {
            await networks.MarkFailedAsync(spec.StyleId, spec.StyleVersion, OperationNames.Of(job.Id),
                ErrorStatuses.Of(error, environment.IsDevelopment()).Message, spec.Options.ImageSize, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Storage.StorageFullException or Storage.StoreUnavailableException)
        {
            // The operation still ends with its error; the style keeps saying TRAINING by an operation that has ended, which
            // a new training's check sees through.
            ServerLog.JobNotPersisted(logger, job.Id, "the failed training's state of style " + spec.StyleId, ex);
        }
    }

    /// <summary>Why a training cannot run on a server without photos.</summary>
    public const string NoPhotos = "the server has no training photos: put some in the folder StyleGrpc:Training:ContentDirectory names";

    // This process stops, not the training: it stays TRAINING and continues on the next start or another replica.
    private static bool Interrupted(Job job, Exception ex) =>
        ex is ServerStoppingException || job.StopReason is JobStopReason.Shutdown;

    // A training batch reported as a run's iteration, so the job's log, journal and watchers treat it as any progress.
    private static StyleTransferProgress ToProgress(FeedForwardTrainingProgress p) =>
        new(p.Iteration, p.TotalIterations, p.ContentLoss, p.StyleLoss, p.TotalVariationLoss, p.TotalLoss, p.Elapsed, p.EstimatedRemaining, null);
}
