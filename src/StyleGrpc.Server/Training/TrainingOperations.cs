using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Training;

/// <summary>
/// TrainStyleNetwork's rules before a training job is queued: the server has photos, the style is not training already
/// (its TRAINING operation still runs), and the style is marked TRAINING by the new operation before the job is submitted, so a Style read right after the answer shows it.
/// </summary>
public sealed class TrainingOperations(JobOperations operations, IJobStore jobs, IStyleStore styles, FeedForwardNetworks networks, TrainingPhotoSource photos,
    TimeProvider time)
{
    private static readonly TimeSpan AdmissionLockLifetime = TimeSpan.FromSeconds(30);

    // Two requests for one style must not both pass the "training already" check: one admission at a time here, and across
    // the fleet a short store lock per style.
    private readonly SemaphoreSlim admission = new(1, 1);

    /// <summary>Queues the training of <paramref name="style"/>'s network; returns the job's ID (the earlier one's, for a retry).</summary>
    public async Task<string> SubmitAsync(TrainingJobSpec spec, StyleRecord style, string caller, JobRequest? request, string? notificationUrl, CancellationToken cancellationToken)
    {
        if (await operations.EarlierAsync(caller, request, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            return earlier;
        }
        if (photos.Count == 0)
        {
            throw new PreconditionFailedException(null, NetworkTraining.NoPhotos);
        }
        await admission.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var held = await styles.TryLockAsync($"{style.Id}/train", AdmissionLockLifetime, cancellationToken).ConfigureAwait(false)
                ?? throw new PreconditionFailedException("name", $"another TrainStyleNetwork request for style '{style.Id}' is being admitted; retry");
            var current = await styles.GetAsync(style.Id, cancellationToken).ConfigureAwait(false) ?? throw new StyleNotFoundException(style.Id);
            return await AdmitAsync(spec, current, caller, request, notificationUrl, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            admission.Release();
        }
    }

    private async Task<string> AdmitAsync(TrainingJobSpec spec, StyleRecord style, string caller, JobRequest? request, string? notificationUrl, CancellationToken cancellationToken)
    {
        if (style.FeedForward is { State: FeedForwardState.Training, OperationName: var running }
            && OperationNames.JobId(running) is { } runningId
            && await jobs.GetAsync(runningId, cancellationToken).ConfigureAwait(false) is { Done: false })
        {
            throw new PreconditionFailedException("name", $"style '{style.Id}' is training already ({running}); cancel that operation or wait for it");
        }
        var identity = JobIdentity.New(time.GetUtcNow());
        var name = OperationNames.Of(identity.Id);
        _ = await networks.MarkTrainingAsync(style, name, spec.Options.ImageSize, cancellationToken).ConfigureAwait(false)
            ?? throw new StyleNotFoundException(style.Id);
        try
        {
            return await operations.SubmitAsync(spec, caller, request, notificationUrl, cancellationToken, identity).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Refused (a full queue, the memory budget, a quota): the style does not stay TRAINING by an operation that never was.
            await networks.MarkFailedAsync(style.Id, style.Version, name, ErrorStatuses.Of(ex, development: false).Message,
                spec.Options.ImageSize, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
