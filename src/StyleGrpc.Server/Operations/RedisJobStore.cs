using Google.Protobuf;
using StackExchange.Redis;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Durable jobs in Redis (<c>Store=redis</c>), shared by every replica: one hash per job, <c>{prefix}job:{id}</c>, with fields
/// <c>record</c> (JSON), <c>attempt</c> (the fencing token), <c>spec</c>, <c>frames:{attempt}</c> and <c>checkpoint</c>, and the
/// sorted set <c>{prefix}jobs</c> of IDs by creation time. Fenced writes are one Lua script each: the field is written only
/// while the stored attempt is not above the writer's, so a replica that lost its lease cannot overwrite the new owner's work.
/// </summary>
public sealed class RedisJobStore(RedisConnection redis) : IJobStore
{
    // KEYS[1] = the job's hash; ARGV = attempt, field, value, raise ("1": the write also raises the stored attempt).
    private const string FencedWrite = """
        local stored = redis.call('HGET', KEYS[1], 'attempt')
        if not stored then return -1 end
        if tonumber(stored) > tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
        if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'attempt', ARGV[1]) end
        return 1
        """;

    private RedisKey JobKey(string id) => redis.Prefix + "job:" + id;

    private RedisKey IndexKey => redis.Prefix + "jobs";

    public async Task CreateAsync(JobRecord record, JobSpec spec, CancellationToken cancellationToken)
    {
        var transaction = redis.Db.CreateTransaction();
        _ = transaction.HashSetAsync(JobKey(record.Id),
        [
            new HashEntry("record", JobSpecJson.Serialize(record)),
            new HashEntry("attempt", record.Attempt),
            new HashEntry("spec", JobSpecJson.Serialize(spec)),
        ]);
        _ = transaction.SortedSetAddAsync(IndexKey, record.Id, record.CreateTime.ToUnixTimeMilliseconds());
        await Call(() => transaction.ExecuteAsync()).ConfigureAwait(false);
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var json = await Call(() => redis.Db.HashGetAsync(JobKey(id), "record")).ConfigureAwait(false);
        return json.IsNull ? null : JobSpecJson.DeserializeRecord((byte[])json!);
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = await Call(() => redis.Db.SortedSetRangeByRankAsync(IndexKey)).ConfigureAwait(false);
        var records = new List<JobRecord>();
        foreach (var id in ids)
        {
            if (await GetAsync(id.ToString(), cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
            else
            {
                // Deleted (or expired) since it was listed.
                await Call(() => redis.Db.SortedSetRemoveAsync(IndexKey, id)).ConfigureAwait(false);
            }
        }
        return records;
    }

    public Task<bool> SaveAsync(JobRecord record, CancellationToken cancellationToken) =>
        FencedAsync(record.Id, record.Attempt, "record", JobSpecJson.Serialize(record), raise: true);

    public async Task<JobSpec?> ReadSpecAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var json = await Call(() => redis.Db.HashGetAsync(JobKey(record.Id), "spec")).ConfigureAwait(false);
        return json.IsNull ? null : JobSpecJson.Deserialize((byte[])json!, record.Kind);
    }

    public Task<bool> SaveFramesAsync(string id, int attempt, IReadOnlyList<StylizeResponse> frames, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        foreach (var frame in frames)
        {
            frame.WriteDelimitedTo(buffer);
        }
        return FencedAsync(id, attempt, $"frames:{attempt}", buffer.ToArray(), raise: false);
    }

    public async Task<IReadOnlyList<StylizeResponse>> ReadFramesAsync(string id, CancellationToken cancellationToken)
    {
        var fields = await Call(() => redis.Db.HashGetAllAsync(JobKey(id))).ConfigureAwait(false);
        var frames = new List<StylizeResponse>();
        foreach (var field in fields.Where(f => f.Name.ToString().StartsWith("frames:", StringComparison.Ordinal)))
        {
            using var stream = new MemoryStream((byte[])field.Value!);
            while (stream.Position < stream.Length)
            {
                frames.Add(StylizeResponse.Parser.ParseDelimitedFrom(stream));
            }
        }
        return [.. frames.OrderBy(f => f.Sequence)];
    }

    public Task<bool> SaveCheckpointAsync(string id, int attempt, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken) =>
        FencedAsync(id, attempt, "checkpoint", checkpoint.ToArray(), raise: false);

    public async Task<byte[]?> ReadCheckpointAsync(string id, CancellationToken cancellationToken)
    {
        var value = await Call(() => redis.Db.HashGetAsync(JobKey(id), "checkpoint")).ConfigureAwait(false);
        return value.IsNull ? null : (byte[])value!;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var deleted = await Call(() => redis.Db.KeyDeleteAsync(JobKey(id))).ConfigureAwait(false);
        await Call(() => redis.Db.SortedSetRemoveAsync(IndexKey, id)).ConfigureAwait(false);
        return deleted;
    }

    private async Task<bool> FencedAsync(string id, int attempt, string field, byte[] value, bool raise)
    {
        var result = await Call(() => redis.Db.ScriptEvaluateAsync(FencedWrite, [JobKey(id)], [attempt, field, value, raise ? "1" : "0"]))
            .ConfigureAwait(false);
        return (int)result == 1;
    }

    // Redis unreachable: the caller learns it as the store being unavailable (UNAVAILABLE), not as an internal error.
    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new StoreUnavailableException($"the job store ({redis.Description}) is unreachable; retry later", ex);
        }
    }
}
