using System.Text.Json;
using StackExchange.Redis;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Uploads;

/// <summary>
/// Uploads in Redis (<c>Store=redis</c>), seen by every replica: <c>{prefix}upload:{id}:data</c>, a hash of the chunks by
/// index, and <c>{prefix}upload:{id}</c>, the record (JSON), written last. Both carry the upload's expiry, so Redis deletes
/// them itself, finished or not.
/// </summary>
public sealed class RedisVideoUploadStore(RedisConnection redis) : IVideoUploadStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private RedisKey RecordKey(string id) => redis.Prefix + "upload:" + id;

    private RedisKey DataKey(string id) => redis.Prefix + "upload:" + id + ":data";

    public async Task SaveChunkAsync(string id, int index, ReadOnlyMemory<byte> chunk, DateTimeOffset expireTime, CancellationToken cancellationToken)
    {
        var transaction = redis.Db.CreateTransaction();
        _ = transaction.HashSetAsync(DataKey(id), index, chunk);
        _ = transaction.KeyExpireAsync(DataKey(id), expireTime.UtcDateTime);
        await Call(() => transaction.ExecuteAsync(), $"upload '{id}'").ConfigureAwait(false);
    }

    public async Task CompleteAsync(VideoUploadRecord record, CancellationToken cancellationToken)
    {
        var transaction = redis.Db.CreateTransaction();
        _ = transaction.StringSetAsync(RecordKey(record.Id), JsonSerializer.SerializeToUtf8Bytes(record, Json));
        _ = transaction.KeyExpireAsync(RecordKey(record.Id), record.ExpireTime.UtcDateTime);
        _ = transaction.KeyExpireAsync(DataKey(record.Id), record.ExpireTime.UtcDateTime);
        await Call(() => transaction.ExecuteAsync(), $"upload '{record.Id}'").ConfigureAwait(false);
    }

    public async Task<VideoUploadRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var value = await Call(() => redis.Db.StringGetAsync(RecordKey(id))).ConfigureAwait(false);
        return value.IsNull ? null : JsonSerializer.Deserialize<VideoUploadRecord>((byte[])value!, Json);
    }

    public async Task<byte[]?> ReadChunkAsync(string id, int index, CancellationToken cancellationToken) =>
        (byte[]?)await Call(() => redis.Db.HashGetAsync(DataKey(id), index)).ConfigureAwait(false);

    public async Task DeleteAsync(string id, CancellationToken cancellationToken) =>
        await Call(() => redis.Db.KeyDeleteAsync([RecordKey(id), DataKey(id)])).ConfigureAwait(false);

    // Redis expires the keys itself.
    public Task<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult(0);

    // Redis errors become the service's own (RedisConnection.CallAsync).
    private Task<T> Call<T>(Func<Task<T>> call, string operation = "an upload") => redis.CallAsync(call, "upload store", operation);
}
