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

    public void Dispose() => Multiplexer.Dispose();
}
