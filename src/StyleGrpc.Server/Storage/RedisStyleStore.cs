using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Storage;

/// <summary>
/// Styles in Redis, shared by every replica (<c>StyleGrpc:Store=redis</c>, <c>StyleGrpc:Redis=host:port,...</c>).
/// Keys, under <c>StyleGrpc:RedisKeyPrefix</c> (default <c>stylegrpc:</c>): <c>styles</c>, a sorted set of IDs (listing
/// in ID order); <c>style:{id}</c>, a hash holding <c>meta</c> (the metadata with a SHA-256 of the image and of every
/// targets blob), <c>version</c>, <c>image</c> and <c>t:{key}</c> per targets blob, so one style is one key and
/// register, replace and delete are single MULTI/EXEC transactions (register-without-replace is conditioned on the key
/// not existing; adding targets on the version not having changed). <c>version</c> is a counter. Every change is
/// published on <c>changed</c> as <c>{id}:{version}</c> so other replicas drop cached targets at once; cached targets are
/// keyed by version as well, so a missed message cannot serve stale targets. <c>lock:{name}</c> holds short locks so
/// targets are computed once across the fleet. Damaged entries are renamed to <c>quarantine:{id}:{time}</c>.
/// Redis unreachable: calls fail with <see cref="StoreUnavailableException"/> (UNAVAILABLE) and readiness turns
/// NOT_SERVING until it answers again; the connection is re-established by itself.
/// </summary>
public sealed class RedisStyleStore : IStyleStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly RedisConnection connection;
    private readonly ILogger<RedisStyleStore> logger;
    private readonly TimeProvider time;
    private readonly RedisChannel channel;
    private readonly QuarantineList quarantined = new();

    public RedisStyleStore(RedisConnection connection, ILogger<RedisStyleStore> logger, TimeProvider time)
    {
        this.connection = connection;
        this.logger = logger;
        this.time = time;
        channel = RedisChannel.Literal(connection.Prefix + "changed");
        connection.Multiplexer.GetSubscriber().Subscribe(channel, (_, message) => Changed?.Invoke(message.ToString()));
    }

    public string Description => connection.Description;

    public event Action<string>? Changed;

    public int QuarantinedCount => quarantined.Count;

    public IReadOnlyList<string> Quarantined => quarantined.Places;

    private IDatabase Db => connection.Db;

    private RedisKey StyleKey(string id) => connection.Prefix + "style:" + id;

    private RedisKey IndexKey => connection.Prefix + "styles";

    public Task<StyleRecord?> GetAsync(string id, CancellationToken cancellationToken) => Run(async () =>
    {
        var meta = await Db.HashGetAsync(StyleKey(id), "meta").ConfigureAwait(false);
        return meta.IsNull ? null : Deserialize(meta);
    });

    public Task<(IReadOnlyList<StyleRecord> Page, bool More, int Total)> ListAsync(string? afterId, int pageSize, CancellationToken cancellationToken) => Run(async () =>
    {
        var db = Db;
        var ids = await db.SortedSetRangeByValueAsync(IndexKey, afterId is null ? default : (RedisValue)afterId, default,
            afterId is null ? Exclude.None : Exclude.Start, Order.Ascending, 0, pageSize + 1).ConfigureAwait(false);
        var metas = await Task.WhenAll(ids.Take(pageSize).Select(id => db.HashGetAsync(StyleKey(id!), "meta"))).ConfigureAwait(false);
        var total = await db.SortedSetLengthAsync(IndexKey).ConfigureAwait(false);
        IReadOnlyList<StyleRecord> page = metas.Where(m => !m.IsNull).Select(Deserialize).ToList();
        return (page, ids.Length > pageSize, (int)total);
    });

    public Task<int> CountAsync(CancellationToken cancellationToken) => Run(async () => (int)await Db.SortedSetLengthAsync(IndexKey).ConfigureAwait(false));

    public Task<StyleRecord> SaveAsync(StyleRecord record, byte[] image, byte[] targets, bool replace, CancellationToken cancellationToken) => Run(async () =>
    {
        var db = Db;
        var version = await db.StringIncrementAsync(connection.Prefix + "version").ConfigureAwait(false);
        var saved = record with { Version = version };
        var key = StyleKey(saved.Id);
        var transaction = db.CreateTransaction();
        if (!replace)
        {
            transaction.AddCondition(Condition.KeyNotExists(key));
        }
        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.HashSetAsync(key,
        [
            new HashEntry("meta", JsonSerializer.SerializeToUtf8Bytes(saved, Json)),
            new HashEntry("version", version),
            new HashEntry("image", image),
            new HashEntry("t:" + saved.Targets[0].Key, targets),
        ]);
        _ = transaction.SortedSetAddAsync(IndexKey, saved.Id, 0);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new StyleAlreadyExistsException(saved.Id);
        }
        await Publish(saved.Id, version).ConfigureAwait(false);
        return saved;
    }, operation: $"registering style {record.Id}");

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => Run(async () =>
    {
        var transaction = Db.CreateTransaction();
        var deleted = transaction.KeyDeleteAsync(StyleKey(id));
        _ = transaction.SortedSetRemoveAsync(IndexKey, id);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        if (await deleted.ConfigureAwait(false))
        {
            await Publish(id, long.MaxValue).ConfigureAwait(false);
            return true;
        }
        return false;
    });

    public Task<byte[]> ReadImageAsync(StyleRecord record, CancellationToken cancellationToken) => Run(async () =>
    {
        // Image and metadata in one read: if the style was replaced meanwhile, the image is checked against its own metadata.
        var values = await Db.HashGetAsync(StyleKey(record.Id), ["meta", "image"]).ConfigureAwait(false);
        if (values[0].IsNull || values[1].IsNull)
        {
            throw new StyleNotFoundException(record.Id);
        }
        var image = (byte[])values[1]!;
        if (Sha256(image) == Deserialize(values[0]).ImageSha256)
        {
            return image;
        }
        await QuarantineAsync(record.Id, "stored image does not match its checksum").ConfigureAwait(false);
        throw new StyleNotFoundException(record.Id);
    });

    public Task<byte[]?> ReadTargetsAsync(StyleRecord record, TargetsFile file, CancellationToken cancellationToken) => Run(async () =>
    {
        var value = await Db.HashGetAsync(StyleKey(record.Id), "t:" + file.Key).ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }
        var bytes = (byte[])value!;
        if (Sha256(bytes) == file.Sha256)
        {
            return bytes;
        }
        ServerLog.CorruptStyle(logger, $"{StyleKey(record.Id)} t:{file.Key}", "checksum mismatch; recomputing from the stored image");
        return null;
    });

    public Task<StyleRecord?> AddTargetsAsync(StyleRecord record, TargetsFile file, byte[] targets, CancellationToken cancellationToken) =>
        Run(() => UpdateMetaAsync(record.Id, record.Version,
            current => current with { Targets = [.. current.Targets.Where(t => t.Key != file.Key), file] },
            transaction => transaction.HashSetAsync(StyleKey(record.Id), "t:" + file.Key, targets)), operation: $"storing targets of style {record.Id}");

    public Task<StyleRecord?> UpdateFeedForwardAsync(string id, long styleVersion, FeedForwardInfo info, byte[]? weights, CancellationToken cancellationToken) =>
        Run(() => UpdateMetaAsync(id, styleVersion,
                current => current with
                {
                    FeedForward = info with { SizeBytes = weights?.Length ?? 0, WeightsSha256 = weights is null ? "" : Sha256(weights) },
                },
                transaction => weights is null ? transaction.HashDeleteAsync(StyleKey(id), "ff") : transaction.HashSetAsync(StyleKey(id), "ff", weights)),
            operation: $"storing the network of style {id}");

    public Task<byte[]?> ReadFeedForwardAsync(StyleRecord record, CancellationToken cancellationToken) => Run(async () =>
    {
        if (record.FeedForward is not { SizeBytes: > 0 } info)
        {
            return null;
        }
        var value = await Db.HashGetAsync(StyleKey(record.Id), "ff").ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }
        var bytes = (byte[])value!;
        if (Sha256(bytes) == info.WeightsSha256)
        {
            return bytes;
        }
        ServerLog.CorruptStyle(logger, $"{StyleKey(record.Id)} ff", "feed-forward network does not match its checksum");
        return null;
    });

    // Changes the stored metadata (and what <paramref name="alsoWrite"/> adds) in one transaction, conditioned on the metadata
    // not having changed since it was read, so concurrent changes of targets and of the network never drop each other; null
    // when the style is not the registration <paramref name="styleVersion"/> any more.
    private async Task<StyleRecord?> UpdateMetaAsync(string id, long styleVersion, Func<StyleRecord, StyleRecord> change, Func<ITransaction, Task> alsoWrite)
    {
        var key = StyleKey(id);
        while (true)
        {
            var meta = await Db.HashGetAsync(key, "meta").ConfigureAwait(false);
            if (meta.IsNull || Deserialize(meta) is not { } current || current.Version != styleVersion)
            {
                return null;
            }
            var updated = change(current);
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(key, "version", styleVersion));
            transaction.AddCondition(Condition.HashEqual(key, "meta", meta));
            _ = alsoWrite(transaction);
            _ = transaction.HashSetAsync(key, "meta", JsonSerializer.SerializeToUtf8Bytes(updated, Json));
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return updated;
            }
        }
    }

    public Task<IAsyncDisposable?> TryLockAsync(string name, TimeSpan lifetime, CancellationToken cancellationToken) => Run(async () =>
    {
        var key = (RedisKey)(connection.Prefix + "lock:" + name);
        var token = (RedisValue)Guid.NewGuid().ToString("N");
        return await Db.LockTakeAsync(key, token, lifetime).ConfigureAwait(false) ? (IAsyncDisposable)new Held(this, key, token) : null;
    });

    public async Task<(bool Reachable, string Detail)> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var latency = await Db.PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            return (true, $"{Description}, ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return (false, $"{Description} unreachable: {ex.Message}");
        }
    }


    private async Task QuarantineAsync(string id, string reason)
    {
        var target = $"{connection.Prefix}quarantine:{id}:{time.GetUtcNow():yyyyMMddTHHmmssfff}Z";
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyRenameAsync(StyleKey(id), target);
        _ = transaction.SortedSetRemoveAsync(IndexKey, id);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        quarantined.Add(target);
        ServerLog.Quarantined(logger, StyleKey(id).ToString(), reason, target);
        await Publish(id, long.MaxValue).ConfigureAwait(false);
    }

    private Task Publish(string id, long version) =>
        connection.Multiplexer.GetSubscriber().PublishAsync(channel, $"{id}:{version.ToString(CultureInfo.InvariantCulture)}");

    private static StyleRecord Deserialize(RedisValue meta) =>
        JsonSerializer.Deserialize<StyleRecord>((byte[])meta!, Json) ?? throw new InvalidDataException("empty style metadata");

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // Redis errors become the service's own (RedisConnection.CallAsync); a full Redis is logged as well.
    private async Task<T> Run<T>(Func<Task<T>> action, string operation = "")
    {
        try
        {
            return await connection.CallAsync(action, "style store", operation).ConfigureAwait(false);
        }
        catch (StorageFullException ex)
        {
            ServerLog.StorageFull(logger, operation, ex);
            throw;
        }
    }

    private sealed class Held(RedisStyleStore store, RedisKey key, RedisValue token) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await store.Db.LockReleaseAsync(key, token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Redis went away while the lock was held: it expires by itself after its lifetime.
            }
        }
    }
}
