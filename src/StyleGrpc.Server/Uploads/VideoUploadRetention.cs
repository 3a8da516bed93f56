using StyleGrpc.Server.Observability;

namespace StyleGrpc.Server.Uploads;

/// <summary>
/// Deletes expired uploads once a minute, for a store that does not expire them itself (the data directory's; Redis's keys
/// carry their own expiry).
/// </summary>
public sealed class VideoUploadRetention(IVideoUploadStore store, TimeProvider time, ILogger<VideoUploadRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        do
        {
            try
            {
                if (await store.RemoveExpiredAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false) is var removed and > 0)
                {
                    ServerLog.UploadsExpired(logger, removed);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ServerLog.UploadsNotSwept(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
