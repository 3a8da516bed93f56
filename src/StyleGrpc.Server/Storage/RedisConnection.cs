using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Storage;

/// <summary>
/// The one Redis connection of a replica with <c>Store=redis</c>, shared by the style store, the job store and the job queue.
/// It starts (and stays up) while Redis is away: readiness says so, and the connection comes back by itself.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    public RedisConnection(IOptions<StyleGrpcServerOptions> options)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Redis))
        {
            throw new InvalidOperationException("StyleGrpc:Store=redis needs StyleGrpc:Redis (a StackExchange.Redis configuration string, e.g. localhost:6379)");
        }
        Prefix = o.RedisKeyPrefix;
        var config = ConfigurationOptions.Parse(o.Redis);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 2000;
        config.SyncTimeout = 2000;
        config.AsyncTimeout = 2000;
        Multiplexer = ConnectionMultiplexer.Connect(config);
        Description = "redis " + string.Join(",", config.EndPoints.Select(e => e.ToString()));
    }

    /// <summary>Prefix of every key and channel (<see cref="StyleGrpcServerOptions.RedisKeyPrefix"/>).</summary>
    public string Prefix { get; }

    /// <summary>"redis host:port", for messages.</summary>
    public string Description { get; }

    public ConnectionMultiplexer Multiplexer { get; }

    public IDatabase Db => Multiplexer.GetDatabase();

    /// <summary>
    /// Runs <paramref name="call"/> on Redis with its errors as the service's own, the one place they are mapped for every
    /// store on this connection: Redis unreachable (or the connection closed) → <see cref="StoreUnavailableException"/>
    /// (UNAVAILABLE), Redis at maxmemory → <see cref="StorageFullException"/> (RESOURCE_EXHAUSTED), including a
    /// transaction Redis discarded for it (EXECABORT). Other errors pass through.
    /// </summary>
    /// <param name="call">The Redis call.</param>
    /// <param name="store">What the caller is, for the message ("job store").</param>
    /// <param name="operation">What could not be stored, for the message of a full Redis ("job 'abc'").</param>
    public async Task<T> CallAsync<T>(Func<Task<T>> call, string store, string operation)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        // A transaction whose command Redis refused as it was queued ends in EXECABORT: for this service's commands (no
        // unknown ones, no wrong arities) that refusal is maxmemory's.
        catch (RedisServerException ex) when (ex.Message.StartsWith("OOM", StringComparison.Ordinal) || ex.Message.StartsWith("EXECABORT", StringComparison.Ordinal))
        {
            throw new StorageFullException(operation, ex, $"the Redis of the {store} ({Description}) is out of memory (maxmemory)");
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new StoreUnavailableException($"the {store} ({Description}) is unreachable; retry later", ex);
        }
    }

    public void Dispose() => Multiplexer.Dispose();
}
