using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Per-caller limits (a caller is an API key, or everyone when the server has none): jobs queued or running at
/// once (<see cref="StyleGrpcServerOptions.MaxJobsPerKey"/>), and Stylize and RegisterStyle calls per minute
/// (token buckets that refill evenly over the minute). 0 switches a limit off.
/// </summary>
public sealed class CallerQuotas : IDisposable
{
    private readonly StyleGrpcServerOptions options;
    private readonly PartitionedRateLimiter<string>? jobs;
    private readonly PartitionedRateLimiter<string>? stylize;
    private readonly PartitionedRateLimiter<string>? register;

    public CallerQuotas(IOptions<StyleGrpcServerOptions> options)
    {
        this.options = options.Value;
        var o = this.options;
        if (o.MaxJobsPerKey > 0)
        {
            jobs = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetConcurrencyLimiter(caller,
                _ => new ConcurrencyLimiterOptions { PermitLimit = o.MaxJobsPerKey, QueueLimit = 0 }));
        }
        stylize = PerMinute(o.StylizePerMinutePerKey);
        register = PerMinute(o.RegisterPerMinutePerKey);
    }

    /// <summary>Takes one of the caller's job places; dispose the result when the job's run ends.</summary>
    /// <exception cref="QuotaExceededException">The caller already has <see cref="StyleGrpcServerOptions.MaxJobsPerKey"/> jobs.</exception>
    public IDisposable EnterJob(string caller)
    {
        if (jobs is null)
        {
            return NoLease.Instance;
        }
        var lease = jobs.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new QuotaExceededException(
                $"this caller already has {options.MaxJobsPerKey} jobs queued or running (StyleGrpc:MaxJobsPerKey); retry when one ends", null,
                "StyleGrpc:MaxJobsPerKey", caller);
        }
        return lease;
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
        jobs?.Dispose();
        stylize?.Dispose();
        register?.Dispose();
    }

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();

        public void Dispose()
        {
        }
    }
}
