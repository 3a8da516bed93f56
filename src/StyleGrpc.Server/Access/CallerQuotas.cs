using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Per-caller rates (a caller is an API key, or everyone when the server has none): Stylize and RegisterStyle calls per
/// minute (token buckets that refill evenly over the minute), counted on the replica that receives the call. 0 switches a
/// limit off. Jobs queued or running at once (<see cref="StyleGrpcServerOptions.MaxJobsPerKey"/>) are counted by the job
/// store, in the step that stores a job.
/// </summary>
public sealed class CallerQuotas : IDisposable
{
    private readonly StyleGrpcServerOptions options;
    private readonly PartitionedRateLimiter<string>? stylize;
    private readonly PartitionedRateLimiter<string>? register;

    public CallerQuotas(IOptions<StyleGrpcServerOptions> options)
    {
        this.options = options.Value;
        var o = this.options;
        stylize = PerMinute(o.StylizePerMinutePerKey);
        register = PerMinute(o.RegisterPerMinutePerKey);
    }

    /// <summary>Counts one Stylize call against the caller's rate.</summary>
    public void CountStylize(string caller) => Count(stylize, caller, "Stylize", options.StylizePerMinutePerKey, "StyleGrpc:StylizePerMinutePerKey");

    /// <summary>Counts one RegisterStyle call against the caller's rate.</summary>
    public void CountRegister(string caller) => Count(register, caller, "RegisterStyle", options.RegisterPerMinutePerKey, "StyleGrpc:RegisterPerMinutePerKey");

    private static void Count(PartitionedRateLimiter<string>? limiter, string caller, string method, int perMinute, string setting)
    {
        if (limiter is null)
        {
            return;
        }
        using var lease = limiter.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1.0 / perMinute);
            throw new QuotaExceededException($"this caller may make {perMinute} {method} calls per minute; retry in {retry.TotalSeconds:F1} s", retry, setting, caller);
        }
    }

    private static PartitionedRateLimiter<string>? PerMinute(int perMinute) => perMinute <= 0
        ? null
        : PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / perMinute),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    public void Dispose()
    {
        stylize?.Dispose();
        register?.Dispose();
    }
}
