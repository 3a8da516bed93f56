using Microsoft.Extensions.Options;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Operations;

/// <summary>Deletes ended operations <see cref="StyleGrpcServerOptions.ResultRetentionHours"/> after they ended.</summary>
public sealed class OperationRetention(IJobStore store, IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<OperationRetention> logger)
    : BackgroundService
{
    private long sweeps;

    /// <summary>Sweeps finished so far (the first runs at start): whoever moves the clock can tell a sweep has looked.</summary>
    public long Sweeps => Interlocked.Read(ref sweeps);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = TimeSpan.FromHours(options.Value.ResultRetentionHours);
        // Swept a few times per retention period, at most once a minute.
        var period = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, retention.Ticks / 4));
        using var timer = new PeriodicTimer(period, time);
        do
        {
            var expired = (await store.ListAsync(stoppingToken).ConfigureAwait(false))
                .Where(r => r.Done && r.EndTime is { } end && time.GetUtcNow() - end >= retention).ToList();
            foreach (var record in expired)
            {
                await store.DeleteAsync(record.Id, stoppingToken).ConfigureAwait(false);
            }
            if (expired.Count > 0)
            {
                ServerLog.OperationsExpired(logger, expired.Count, options.Value.ResultRetentionHours);
            }
            Interlocked.Increment(ref sweeps);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
