using System.Globalization;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Access;

namespace StyleGrpc.Server.Settings;

/// <summary>
/// Checks every setting once, at start (<c>ValidateOnStart</c>): numbers within their ranges, addresses well formed, API
/// keys well formed, a Redis address with the Redis store. Each failure names its setting and what it allows; nothing is
/// clamped later.
/// </summary>
public sealed class StyleGrpcServerOptionsValidator : IValidateOptions<StyleGrpcServerOptions>
{
    private const string S = StyleGrpcServerOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, StyleGrpcServerOptions o)
    {
        if (name == AccessMonitor.OptionsName)
        {
            // Read again on every reload; AccessMonitor checks it with ValidateAccess and keeps the last good one.
            return ValidateOptionsResult.Skip;
        }
        var failures = new List<string>();
        void Range(string setting, double value, double min, double max = double.PositiveInfinity)
        {
            if (!(value >= min && value <= max))
            {
                var allowed = double.IsPositiveInfinity(max)
                    ? string.Create(CultureInfo.InvariantCulture, $"at least {min}")
                    : string.Create(CultureInfo.InvariantCulture, $"between {min} and {max}");
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{S}{setting} must be {allowed}, not {value}"));
            }
        }

        Choice(failures, nameof(o.Store), o.Store);
        Choice(failures, nameof(o.Device), o.Device);
        Choice(failures, nameof(o.Precision), o.Precision);
        if (o.Store == StoreSetting.Redis && string.IsNullOrWhiteSpace(o.Redis))
        {
            failures.Add($"{S}Redis must be set (e.g. redis:6379) when {S}Store is redis");
        }
        if (!string.IsNullOrWhiteSpace(o.BlobDirectory))
        {
            if (o.Store != StoreSetting.Redis)
            {
                failures.Add($"{S}BlobDirectory ('{o.BlobDirectory}') is for {S}Store redis (a folder the replicas share); the file store keeps everything in {S}DataDirectory");
            }
            else if (!WritableDirectory(o.BlobDirectory))
            {
                failures.Add($"{S}BlobDirectory '{o.BlobDirectory}' is not a folder this process can create and write");
            }
        }
        Range(nameof(o.ThreadsPerJob), o.ThreadsPerJob, 0, 1024);
        Range(nameof(o.MaxRequestBytes), o.MaxRequestBytes, 1024, MaxRequestBytesLimit);
        Range(nameof(o.MaxPixels), o.MaxPixels, 256, 1_000_000_000);
        Range(nameof(o.MaxSide), o.MaxSide, 16, 32768);
        Range(nameof(o.TileAbove), o.TileAbove, 32, 32768);
        Range(nameof(o.TileSize), o.TileSize, 32, 4096);
        Range(nameof(o.CoarseToFineFrom), o.CoarseToFineFrom, 0, 32768);
        Range(nameof(o.MaxIterations), o.MaxIterations, 1, 1_000_000);
        Range(nameof(o.MaxPreviews), o.MaxPreviews, 0, 100_000);
        Range(nameof(o.QueueCapacity), o.QueueCapacity, 0, 100_000);
        Range(nameof(o.ConcurrentJobs), o.ConcurrentJobs, 1, 1024);
        Range(nameof(o.MaxRegions), o.MaxRegions, 0, Engine.StyleTransferEngine.MaxRegionsLimit);
        Range(nameof(o.StyleCacheBytes), o.StyleCacheBytes, 0);
        Range(nameof(o.DefaultStyleSize), o.DefaultStyleSize, 16, 32768);
        Range(nameof(o.DrainTimeoutSeconds), o.DrainTimeoutSeconds, 0, 86_400);
        Range(nameof(o.StallTimeoutSeconds), o.StallTimeoutSeconds, 1, 86_400);
        Range(nameof(o.MaxRunSeconds), o.MaxRunSeconds, 0, 604_800);
        Range(nameof(o.BufferedPreviews), o.BufferedPreviews, 1, 1000);
        Range(nameof(o.MemoryBudgetBytes), o.MemoryBudgetBytes, 0);
        Range(nameof(o.MemoryBudgetShare), o.MemoryBudgetShare, 0.05, 1.0);
        Range(nameof(o.MaxJobsPerKey), o.MaxJobsPerKey, 0, 100_000);
        Range(nameof(o.StylizePerMinutePerKey), o.StylizePerMinutePerKey, 0, 1_000_000);
        Range(nameof(o.RegisterPerMinutePerKey), o.RegisterPerMinutePerKey, 0, 1_000_000);
        Range(nameof(o.MaxProgressFramesPerSecond), o.MaxProgressFramesPerSecond, 0.1, 1000);
        Range(nameof(o.ResultRetentionHours), o.ResultRetentionHours, 0.0001, 24 * 366);
        Range(nameof(o.CheckpointSeconds), o.CheckpointSeconds, 1, 86_400);
        Range(nameof(o.LeaseSeconds), o.LeaseSeconds, 1, 3600);
        Range("Training:MaxIterations", o.Training.MaxIterations, 1, 1_000_000);
        Range("Training:MaxImageSize", o.Training.MaxImageSize, 64, 4096);
        Range("Training:MaxBatchSize", o.Training.MaxBatchSize, 1, 256);
        Range("Training:Iterations", o.Training.Iterations, 1, Math.Max(1, o.Training.MaxIterations));
        Range("Training:ImageSize", o.Training.ImageSize, 64, Math.Max(64, o.Training.MaxImageSize));
        Range("Training:BatchSize", o.Training.BatchSize, 1, Math.Max(1, o.Training.MaxBatchSize));
        Range("Video:MaxBytes", o.Video.MaxBytes, 1024, 1L << 30);
        Range("Video:UploadRetentionSeconds", o.Video.UploadRetentionSeconds, 60, 7 * 24 * 3600);
        Range("Video:MaxDurationSeconds", o.Video.MaxDurationSeconds, 0.1, 86_400);
        Range("Video:MaxFrames", o.Video.MaxFrames, 1, 10_000_000);
        Range("Video:MaxPixelsPerFrame", o.Video.MaxPixelsPerFrame, 64 * 64, 1L << 30);
        Range("Video:ToolTimeoutSeconds", o.Video.ToolTimeoutSeconds, 1, 86_400);
        Range("Video:PartFrames", o.Video.PartFrames, 1, 10_000);
        Range("Video:FlowScale", o.Video.FlowScale, 0.05, 1);
        Range("Video:InlineResultBytes", o.Video.InlineResultBytes, 0, 1L << 30);
        if (string.IsNullOrWhiteSpace(o.Video.FfmpegPath) || string.IsNullOrWhiteSpace(o.Video.FfprobePath))
        {
            failures.Add($"{S}Video:FfmpegPath and {S}Video:FfprobePath must name the programs (default ffmpeg and ffprobe)");
        }
        if (!string.IsNullOrWhiteSpace(o.Training.ContentDirectory) && !Directory.Exists(o.Training.ContentDirectory))
        {
            failures.Add($"{S}Training:ContentDirectory must be an existing folder of photos or empty (no training), not '{o.Training.ContentDirectory}'");
        }
        if (!ListenUrl.TryParse(o.Http.Url, out _))
        {
            failures.Add($"{S}Http:Url must be {ListenUrl.Rule}, not '{o.Http.Url}'");
        }
        failures.AddRange(CorsOrigin.Check(o.Http.CorsOrigins, $"{S}Http:CorsOrigins"));
        if (!ListenUrl.TryParse(o.Metrics.Url, out _))
        {
            failures.Add($"{S}Metrics:Url must be {ListenUrl.Rule}, not '{o.Metrics.Url}'");
        }
        if (!string.IsNullOrWhiteSpace(o.Tracing.OtlpEndpoint) && !Uri.TryCreate(o.Tracing.OtlpEndpoint, UriKind.Absolute, out _))
        {
            failures.Add($"{S}Tracing:OtlpEndpoint must be an absolute URL (e.g. http://otel-collector:4317) or empty, not '{o.Tracing.OtlpEndpoint}'");
        }
        if (!string.IsNullOrWhiteSpace(o.KeysFile) && !File.Exists(o.KeysFile))
        {
            failures.Add($"{S}KeysFile '{o.KeysFile}' does not exist (a JSON settings file with {S}Keys; relative paths start at the working directory)");
        }
        ValidateWebhooks(o.Webhooks, failures);
        if (o.Webhooks.Enabled && o.Webhooks.RetryHours > o.ResultRetentionHours)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{S}Webhooks:RetryHours ({o.Webhooks.RetryHours}) must not exceed {S}ResultRetentionHours ({o.ResultRetentionHours}): an operation deleted by retention is no longer delivered"));
        }
        failures.AddRange(ValidateAccess(o));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The rules of the settings that reload without a restart (the API keys, the JWT settings): checked at start with the rest, and by
    /// <see cref="AccessMonitor"/> on every reload. Each failure names its setting.
    /// </summary>
    public static List<string> ValidateAccess(StyleGrpcServerOptions o)
    {
        var failures = new List<string>();
        for (var i = 0; i < o.Keys.Count; i++)
        {
            var key = o.Keys[i];
            if (key.Sha256.Length != 64 || !key.Sha256.All(char.IsAsciiHexDigitLower))
            {
                failures.Add($"{S}Keys:{i}:Sha256 must be 64 lower-case hex digits (the SHA-256 of the key; 'stylegrpc keys new' prints one)");
            }
            if (ExampleKeys.Of(key.Sha256) is { } example)
            {
                failures.Add($"{S}Keys:{i}:Sha256 {key.Sha256} is the hash of the published example key '{example}': anyone can use it; make a key of your own ('stylegrpc keys new')");
            }
            if (key.Role is not (AccessRoles.Admin or AccessRoles.User))
            {
                failures.Add($"{S}Keys:{i}:Role must be '{AccessRoles.Admin}' or '{AccessRoles.User}', not '{key.Role}'");
            }
        }
        ValidateJwt(o.Jwt, failures);
        return failures;
    }

    private static void ValidateJwt(JwtOptions jwt, List<string> failures)
    {
        const string J = S + "Jwt:";
        var sources = new[] { (nameof(jwt.Authority), jwt.Authority), (nameof(jwt.MetadataAddress), jwt.MetadataAddress), (nameof(jwt.JwksUrl), jwt.JwksUrl) }
            .Where(s => !string.IsNullOrWhiteSpace(s.Item2)).ToList();
        if (sources.Count == 0)
        {
            foreach (var (setting, value) in new[] { (nameof(jwt.Audience), jwt.Audience), (nameof(jwt.Issuer), jwt.Issuer) })
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    failures.Add($"{J}{setting} is set ('{value}') but JWT is off: set {J}Authority (or MetadataAddress, or JwksUrl with Issuer) to accept tokens");
                }
            }
            return;
        }
        if (sources.Count > 1)
        {
            failures.Add($"{J}{sources[0].Item1} and {J}{sources[1].Item1} are both set: set one source of the signing keys");
        }
        foreach (var (setting, value) in sources)
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                failures.Add($"{J}{setting} must be an absolute https:// URL, not '{value}'");
            }
            else if (uri.Scheme == Uri.UriSchemeHttp && jwt.RequireHttpsMetadata)
            {
                failures.Add($"{J}{setting} must be an https:// URL, not '{value}' (or set {J}RequireHttpsMetadata=false for a provider on a trusted network)");
            }
        }
        if (string.IsNullOrWhiteSpace(jwt.Audience))
        {
            failures.Add($"{J}Audience must be set when JWT is on: the 'aud' this API's tokens carry (e.g. api://stylegrpc, or the application's client ID)");
        }
        if (!string.IsNullOrWhiteSpace(jwt.JwksUrl) && string.IsNullOrWhiteSpace(jwt.Issuer))
        {
            failures.Add($"{J}Issuer must be set with {J}JwksUrl: no discovery document names the issuer");
        }
        if (string.IsNullOrWhiteSpace(jwt.SubjectClaim))
        {
            failures.Add($"{J}SubjectClaim must name the claim that identifies the caller (default sub)");
        }
        if (string.IsNullOrWhiteSpace(jwt.RoleClaim))
        {
            failures.Add($"{J}RoleClaim must name the claim holding the roles (default roles)");
        }
        if (jwt.ClockSkewSeconds is < 0 or > 600)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{J}ClockSkewSeconds must be between 0 and 600, not {jwt.ClockSkewSeconds}"));
        }
        foreach (var (setting, values) in new[] { (nameof(jwt.AdminRoles), jwt.AdminRoles), (nameof(jwt.UserRoles), jwt.UserRoles) })
        {
            for (var i = 0; i < values.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(values[i]))
                {
                    failures.Add($"{J}{setting}:{i} must be a role value, not empty");
                }
            }
        }
    }

    private static void ValidateWebhooks(WebhookOptions w, List<string> failures)
    {
        const string W = S + "Webhooks:";
        for (var i = 0; i < w.AllowedUrls.Count; i++)
        {
            if (!Uri.TryCreate(w.AllowedUrls[i], UriKind.Absolute, out var prefix) || (prefix.Scheme != Uri.UriSchemeHttps && prefix.Scheme != Uri.UriSchemeHttp)
                || prefix.UserInfo.Length > 0 || prefix.Query.Length > 0 || prefix.Fragment.Length > 0)
            {
                failures.Add($"{W}AllowedUrls:{i} must be an absolute http(s) URL prefix without user, query or fragment (e.g. https://hooks.example.com/), not '{w.AllowedUrls[i]}'");
            }
        }
        if (w.Enabled && w.SigningSecret.Trim().Length < 16)
        {
            failures.Add($"{W}SigningSecret must be set, at least 16 characters, when {W}AllowedUrls is set: receivers check every delivery's signature with it");
        }
        foreach (var (caller, url) in w.DefaultUrls)
        {
            if (Webhooks.WebhookUrls.AllowedPrefix(url, w.AllowedUrls) is null)
            {
                failures.Add($"{W}DefaultUrls:{caller} ('{url}') must be an absolute http(s) URL starting with one of {W}AllowedUrls");
            }
        }
        var callers = new HashSet<string>(w.DefaultUrls.Keys, StringComparer.Ordinal);
        for (var i = 0; i < w.Defaults.Count; i++)
        {
            var entry = w.Defaults[i];
            if (string.IsNullOrWhiteSpace(entry.Caller))
            {
                failures.Add($"{W}Defaults:{i}:Caller must be set: the caller ID the URL is for (key-0123456789ab, jwt:<issuer>|<subject> or anonymous)");
            }
            else if (!callers.Add(entry.Caller))
            {
                failures.Add($"{W}Defaults:{i}:Caller '{entry.Caller}' has a default URL already (an earlier {W}Defaults entry or {W}DefaultUrls): give each caller one");
            }
            if (Webhooks.WebhookUrls.AllowedPrefix(entry.Url, w.AllowedUrls) is null)
            {
                failures.Add($"{W}Defaults:{i}:Url ('{entry.Url}') must be an absolute http(s) URL starting with one of {W}AllowedUrls");
            }
        }
        void Range(string setting, double value, double min, double max)
        {
            if (!(value >= min && value <= max))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{W}{setting} must be between {min} and {max}, not {value}"));
            }
        }
        Range(nameof(w.RetryHours), w.RetryHours, 0, 24 * 30);
        Range(nameof(w.FirstRetrySeconds), w.FirstRetrySeconds, 0.01, 86_400);
        Range(nameof(w.MaxRetrySeconds), w.MaxRetrySeconds, Math.Max(0.01, w.FirstRetrySeconds), 86_400);
        Range(nameof(w.TimeoutSeconds), w.TimeoutSeconds, 0.1, 300);
    }

    /// <summary>The largest <see cref="StyleGrpcServerOptions.MaxRequestBytes"/>: the transport limit (1 MiB above it) must fit gRPC's int.</summary>
    public const long MaxRequestBytesLimit = int.MaxValue - StyleGrpcServerOptions.TransportSlackBytes;

    // Values the binder can produce without our converter (set in code, or numbers cast in): refused like a bad spelling.
    private static void Choice<TEnum>(List<string> failures, string setting, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            failures.Add($"{S}{setting} must be one of {SettingChoiceConverter<TEnum>.Allowed}, not {value}");
        }
    }

    private static bool WritableDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
