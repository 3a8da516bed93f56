using Microsoft.Extensions.Logging;

namespace StyleGrpc.Server.Observability;

/// <summary>The server's log messages, source-generated.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Loading feature network: {Source}")]
    public static partial void LoadingNetwork(ILogger logger, string source);

    [LoggerMessage(2, LogLevel.Information, "Serving {Network} ({Description}) on {Device}, weights SHA-256 {Sha256}, loaded in {Milliseconds} ms")]
    public static partial void NetworkReady(ILogger logger, string network, string description, string device, string sha256, long milliseconds);

    [LoggerMessage(20, LogLevel.Information, "Matrix products: MKL vendor dispatch {Status}")]
    public static partial void MklDispatch(ILogger logger, string status);

    [LoggerMessage(46, LogLevel.Information, "Each job runs {Threads} threads (ThreadsPerJob {Configured}, {ConcurrentJobs} jobs at once, {Processors} usable CPUs: {Quota})")]
    public static partial void JobThreads(ILogger logger, int threads, int configured, int concurrentJobs, int processors, string quota);

    [LoggerMessage(3, LogLevel.Critical, "The feature network could not be loaded; the server stays NOT_SERVING")]
    public static partial void NetworkFailed(ILogger logger, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Style entry {Path} is corrupt and was skipped: {Reason}")]
    public static partial void CorruptStyle(ILogger logger, string path, string reason);

    [LoggerMessage(5, LogLevel.Information, "Loaded {Count} styles from {Directory}")]
    public static partial void StylesLoaded(ILogger logger, int count, string directory);

    [LoggerMessage(6, LogLevel.Information, "Computed targets of style {StyleId} for {Network}/{Preset} at {StyleSize} px in {Milliseconds} ms")]
    public static partial void TargetsComputed(ILogger logger, string styleId, string network, string preset, int styleSize, long milliseconds);

    [LoggerMessage(7, LogLevel.Information, "Job {JobId} accepted from {Caller}: style {Style}, {Width}x{Height}, {Iterations} iterations, queue position {Position}, estimated {EstimateMiB} MiB")]
    public static partial void JobAccepted(ILogger logger, string jobId, string caller, string style, int width, int height, int iterations, int position, long estimateMiB);

    [LoggerMessage(74, LogLevel.Error, "Job {JobId} failed unexpectedly (its operation says INTERNAL)")]
    public static partial void JobFailedUnexpectedly(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "Job {JobId} finished: {Outcome} after {Iterations} iterations, queued {QueueMs} ms, ran {RunMs} ms")]
    public static partial void JobFinished(ILogger logger, string jobId, string outcome, int iterations, long queueMs, long runMs);

    [LoggerMessage(9, LogLevel.Information, "Style {StyleId} registered ({Width}x{Height}, {Bytes} bytes)")]
    public static partial void StyleRegistered(ILogger logger, string styleId, int width, int height, long bytes);

    [LoggerMessage(10, LogLevel.Information, "Style {StyleId} deleted")]
    public static partial void StyleDeleted(ILogger logger, string styleId);

    [LoggerMessage(11, LogLevel.Information, "Draining: {Running} running jobs get {Seconds} s to finish")]
    public static partial void Draining(ILogger logger, int running, int seconds);

    [LoggerMessage(13, LogLevel.Information, "Stopping: health NOT_SERVING, new calls refused; {Queued} jobs waiting for a slot here go back to the queue, watches of queued jobs end")]
    public static partial void Stopping(ILogger logger, int queued);

    [LoggerMessage(14, LogLevel.Information, "Drained; {Active} jobs still held; stopping the web server")]
    public static partial void Drained(ILogger logger, int active);

    [LoggerMessage(15, LogLevel.Warning, "Job {JobId} from {Caller}: the reader took no frame for {Seconds} s; stopping the job and ending the call")]
    public static partial void ReaderStalled(ILogger logger, string jobId, string caller, int seconds);

    [LoggerMessage(16, LogLevel.Warning, "No API keys are configured and the server listens on {Urls}: anyone who reaches it may register, delete and stylize (StyleGrpc:AllowAnonymous=true)")]
    public static partial void AnonymousExposed(ILogger logger, string urls);

    [LoggerMessage(17, LogLevel.Error, "Data directory full: {Operation} failed")]
    public static partial void StorageFull(ILogger logger, string operation, Exception exception);

    [LoggerMessage(18, LogLevel.Warning, "Could not persist the targets of style {StyleId}; the job goes on with them in memory")]
    public static partial void TargetsNotPersisted(ILogger logger, string styleId, Exception exception);

    [LoggerMessage(21, LogLevel.Warning, "Not ready: the style store does not answer: {Detail}")]
    public static partial void StoreUnreachable(ILogger logger, string detail);

    [LoggerMessage(22, LogLevel.Information, "Style store reachable: {Detail}")]
    public static partial void StoreReachable(ILogger logger, string detail);

    [LoggerMessage(24, LogLevel.Information, "Prometheus metrics on {Url}/metrics")]
    public static partial void MetricsServed(ILogger logger, string url);

    [LoggerMessage(25, LogLevel.Information, "Web page and JSON API on {Url}/ (gRPC stays on its own HTTP/2 port)")]
    public static partial void HttpServed(ILogger logger, string url);

    [LoggerMessage(19, LogLevel.Warning, "Style entry {Path} is damaged ({Reason}); moved to {Quarantine}")]
    public static partial void Quarantined(ILogger logger, string path, string reason, string quarantine);

    [LoggerMessage(12, LogLevel.Error, "Call {Method} failed unexpectedly")]
    public static partial void UnexpectedError(ILogger logger, string method, Exception exception);

    [LoggerMessage(45, LogLevel.Warning, "Job {JobId}: its watchers here stop: the job store could not be read ({Detail})")]
    public static partial void RemoteWatchFailed(ILogger logger, string jobId, string detail, Exception exception);

    [LoggerMessage(40, LogLevel.Warning, "Job {JobId}: the job store refused or failed a write ({What}); the job goes on in memory")]
    public static partial void JobNotPersisted(ILogger logger, string jobId, string what, Exception? exception);

    [LoggerMessage(41, LogLevel.Information, "Job {JobId} resumed: attempt {Attempt}, from iteration {Iteration}")]
    public static partial void JobResumed(ILogger logger, string jobId, int attempt, int iteration);

    [LoggerMessage(42, LogLevel.Warning, "Job {JobId} cannot be resumed: {Reason}")]
    public static partial void JobNotResumable(ILogger logger, string jobId, string reason);

    [LoggerMessage(43, LogLevel.Information, "Deleted {Count} finished operations older than the retention of {Hours} h")]
    public static partial void OperationsExpired(ILogger logger, int count, double hours);

    [LoggerMessage(44, LogLevel.Warning, "Fleet queue: {Reason}; trying again")]
    public static partial void FleetQueueUnavailable(ILogger logger, string reason);

    [LoggerMessage(47, LogLevel.Information, "Job {JobId}: its watch ended: server stopping; the job stays queued in the store")]
    public static partial void WatchEndedByShutdown(ILogger logger, string jobId);

    [LoggerMessage(60, LogLevel.Information, "Access settings reloaded: {Keys} API keys, JWT {Jwt}")]
    public static partial void AccessReloaded(ILogger logger, int keys, string jwt);

    [LoggerMessage(61, LogLevel.Error, "Access settings reload refused, the last good ones stay in force: {Reason}")]
    public static partial void AccessReloadRefused(ILogger logger, string reason);

    [LoggerMessage(62, LogLevel.Error, "The JwtBearer options could not be rebuilt from the reloaded JWT settings; token callers fail until the next reload")]
    public static partial void JwtOptionsFailed(ILogger logger, Exception exception);

    [LoggerMessage(70, LogLevel.Information, "Job {JobId}: webhook delivered to {Url} (attempt {Attempt})")]
    public static partial void WebhookDelivered(ILogger logger, string jobId, string url, int attempt);

    [LoggerMessage(71, LogLevel.Warning, "Job {JobId}: webhook attempt {Attempt} to {Url} failed: {Error}; next at {Next}")]
    public static partial void WebhookRetrying(ILogger logger, string jobId, int attempt, string url, string error, DateTimeOffset next);

    [LoggerMessage(72, LogLevel.Error, "Job {JobId}: webhook to {Url} given up after {Attempts} attempts: {Error}")]
    public static partial void WebhookFailed(ILogger logger, string jobId, string url, int attempts, string error);

    [LoggerMessage(73, LogLevel.Warning, "Webhook dispatcher: {Reason}; trying again")]
    public static partial void WebhookDispatchFailed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(63, LogLevel.Warning, "Job {JobId}: its scratch folder {Folder} could not be deleted")]
    public static partial void VideoScratchNotDeleted(ILogger logger, string jobId, string folder, Exception exception);

    [LoggerMessage(64, LogLevel.Warning, "Videos are off: {Reason}")]
    public static partial void VideosOff(ILogger logger, string reason);

    [LoggerMessage(75, LogLevel.Information, "Upload {Name}: {Bytes} bytes stored in {Chunks} chunk(s)")]
    public static partial void VideoUploaded(ILogger logger, string name, long bytes, int chunks);

    [LoggerMessage(76, LogLevel.Warning, "Upload {Name}: what was stored of it could not be deleted; it expires on its own")]
    public static partial void UploadNotDeleted(ILogger logger, string name, Exception exception);

    [LoggerMessage(77, LogLevel.Information, "Deleted {Count} expired upload(s)")]
    public static partial void UploadsExpired(ILogger logger, int count);

    [LoggerMessage(78, LogLevel.Warning, "Expired uploads could not be swept; trying again in a minute")]
    public static partial void UploadsNotSwept(ILogger logger, Exception exception);
}
