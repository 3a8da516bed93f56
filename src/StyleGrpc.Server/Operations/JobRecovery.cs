using StyleGrpc.Engine;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// At start, once the model is loaded: every job the store holds unfinished (queued, or running when its process died or
/// stopped) is admitted again, oldest first, as its next attempt, numbering its frames above the earlier attempts'. A job
/// the queue cannot take yet is tried again a little later.
/// </summary>
public sealed class JobRecovery(IJobStore store, ModelHost model, JobResumption resumption, TimeProvider time, ILogger<JobRecovery> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await model.GetEngineAsync(stoppingToken).ConfigureAwait(false);
        var pending = (await store.ListAsync(stoppingToken).ConfigureAwait(false)).Where(r => !r.Done).ToList();
        while (pending.Count > 0 && !stoppingToken.IsCancellationRequested)
        {
            var waiting = new List<JobRecord>();
            foreach (var record in pending)
            {
                if (!await TryResumeAsync(record, stoppingToken).ConfigureAwait(false))
                {
                    waiting.Add(record);
                }
            }
            pending = waiting;
            if (pending.Count > 0)
            {
                await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    // Admits the job again; false when the queue cannot take it now.
    private async Task<bool> TryResumeAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var spec = await store.ReadSpecAsync(record, cancellationToken).ConfigureAwait(false);
        if (spec is null || spec.Network != model.Engine.Network.Info.Fingerprint)
        {
            var reason = spec is null ? "its request is missing" : $"it was planned for {spec.Network}, this server runs {model.Engine.Network.Info.Fingerprint}";
            ServerLog.JobNotResumable(logger, record.Id, reason);
            await store.SaveAsync(record with
            {
                State = JobState.Failed,
                ErrorCode = (int)Grpc.Core.StatusCode.FailedPrecondition,
                ErrorMessage = $"the job cannot be resumed: {reason}",
                EndTime = time.GetUtcNow(),
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        // A job that had started is resumed (attempt + 1); one that never left the queue keeps its attempt.
        var resumed = record.State == JobState.Running || record.StartTime is not null;
        return await resumption.StartAsync(record, spec, resumed, "restart", null, cancellationToken).ConfigureAwait(false) is not null;
    }
}
