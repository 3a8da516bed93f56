using Google.Protobuf;
using StackExchange.Redis;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Durable jobs in Redis (<c>Store=redis</c>), shared by every replica. Metadata and payloads live apart, so a call reads only
/// what it needs:
/// <list type="bullet">
/// <item><c>{prefix}job:{id}</c>, a small hash: <c>record</c> (JSON), <c>attempt</c> (the fencing token) and <c>done</c>;</item>
/// <item><c>{prefix}job:{id}:spec</c> (the checked request, its images binary: read only by the replica that runs or resumes the
/// job), <c>{prefix}job:{id}:checkpoint</c>, and <c>{prefix}job:{id}:frames</c>, a stream of the frames kept for watchers whose
/// entry IDs are the frames' sequences: a frame superseded by the keeping rule is deleted from it, and a watcher reads only the
/// entries after the last it has;</item>
/// <item>the sorted sets <c>{prefix}jobs</c> and <c>{prefix}jobs:caller:{caller}</c> of IDs by creation time (pages of
/// ListOperations), and the counter <c>{prefix}jobs:active:{caller}</c> of the caller's jobs not yet ended, raised when a job
/// is created and lowered in the same script as the write of its end.</item>
/// </list>
/// Fenced writes are one Lua script each: the write happens only while the stored attempt is not above the writer's, so a
/// replica that lost its lease cannot overwrite the new owner's work. Jobs stored by earlier versions (spec, frames and
/// checkpoint as fields of the job's hash) are still read.
/// </summary>
public sealed class RedisJobStore(RedisConnection redis, JobBlobFolder? blobs = null) : IJobStore
{
    // KEYS[1] = the job's hash, KEYS[2] = the payload key written; ARGV = attempt, then the value's pieces
    // (RedisPayloadChunks). Answers {1} when written, with the reference it replaced when that was one (its file can go; a replaced value of its own is never sent back), {0} when a
    // later attempt owns the job, {-1} when the job is gone.
    private const string FencedPayload = """
        local stored = redis.call('HGET', KEYS[1], 'attempt')
        if not stored then return {-1} end
        if tonumber(stored) > tonumber(ARGV[1]) then return {0} end
        local kind = redis.call('TYPE', KEYS[2]).ok
        local old = nil
        if kind == 'hash' then old = redis.call('HGET', KEYS[2], '0') elseif kind == 'string' then old = redis.call('GET', KEYS[2]) end
        redis.call('DEL', KEYS[2])
        for i = 2, #ARGV do redis.call('HSET', KEYS[2], tostring(i - 2), ARGV[i]) end
        if old and string.sub(old, 1, 5) == 'blob:' then return {1, old} end
        return {1}
        """;

    // KEYS[1] = the job's hash, KEYS[2] = its video parts' hash; ARGV = attempt, the part's index, its bytes.
    private const string SaveVideoPart = """
        local stored = redis.call('HGET', KEYS[1], 'attempt')
        if not stored then return -1 end
        if tonumber(stored) > tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        return 1
        """;

    // KEYS[1] = the job's hash, KEYS[2] = its frames stream; ARGV = attempt, n, then n pairs (sequence, frame), then the
    // superseded sequences. A frame's entry ID is its sequence, so a watcher reads exactly the frames after the last it has.
    private const string AppendFrames = """
        local stored = redis.call('HGET', KEYS[1], 'attempt')
        if not stored then return -1 end
        if tonumber(stored) > tonumber(ARGV[1]) then return 0 end
        local n = tonumber(ARGV[2])
        for i = 0, n - 1 do
          -- pcall: a frame numbered at or below the stream's newest (never expected: attempts number theirs above every
          -- earlier one) is skipped rather than failing the write of the rest.
          redis.pcall('XADD', KEYS[2], ARGV[3 + 2 * i] .. '-0', 'f', ARGV[4 + 2 * i])
        end
        for i = 3 + 2 * n, #ARGV do
          redis.call('XDEL', KEYS[2], ARGV[i] .. '-0')
        end
        return 1
        """;

    // KEYS[1] = the job's hash, KEYS[2] = the caller's active counter, KEYS[3..4] = its spec and checkpoint, KEYS[5] = the
    // schedule of due webhooks; ARGV = attempt, record, done ("1"/"0"), when its webhook is due (ms; empty = none), its ID. The
    // end of a job, in the same step as its write, lowers its caller's counter once, drops what only a run needs (the
    // request's images, the checkpoint) and makes its webhook due (unless a delivery has already been recorded).
    private const string FencedRecord = """
        local stored = redis.call('HGET', KEYS[1], 'attempt')
        if not stored then return -1 end
        if tonumber(stored) > tonumber(ARGV[1]) then return 0 end
        if ARGV[3] ~= '1' and redis.call('HGET', KEYS[1], 'done') == '1' then return 0 end
        redis.call('HSET', KEYS[1], 'record', ARGV[2], 'attempt', ARGV[1])
        if ARGV[3] == '1' and redis.call('HGET', KEYS[1], 'done') ~= '1' then
          redis.call('HSET', KEYS[1], 'done', '1')
          if redis.call('DECR', KEYS[2]) < 0 then redis.call('SET', KEYS[2], 0) end
          redis.call('DEL', KEYS[3], KEYS[4])
          redis.call('HDEL', KEYS[1], 'spec', 'checkpoint')
          if ARGV[4] ~= '' and redis.call('HEXISTS', KEYS[1], 'notification') == 0 then redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5]) end
        end
        return 1
        """;

    // KEYS[1] = the schedule of due webhooks; ARGV = now (ms), lease (ms), most. Takes the due ones and pushes each forward by
    // the lease in the same step, so two replicas never take the same one at once.
    private const string ClaimDue = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local later = tonumber(ARGV[1]) + tonumber(ARGV[2])
        for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], later, id) end
        return due
        """;

    // KEYS[1] = the job's hash, KEYS[2] = the schedule of due webhooks; ARGV = the notification (JSON), the job's ID, when it
    // is due (ms; empty = never). The notification is a field of its own: the record's writes never touch it.
    private const string SaveNotification = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          redis.call('ZREM', KEYS[2], ARGV[2])
          return 0
        end
        redis.call('HSET', KEYS[1], 'notification', ARGV[1])
        if ARGV[3] == '' then redis.call('ZREM', KEYS[2], ARGV[2]) else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
        return 1
        """;

    // KEYS = the job's hash, its spec, the index, the caller's index, the caller's active counter, the request ID's key;
    // ARGV = record, attempt, (unused), create time (ms), id, the caller's cap (0 = none), how long the request ID is
    // remembered (ms; empty = no request ID), the prefix of job keys, then the spec's pieces (RedisPayloadChunks). Refused with 0 when the caller already has that many jobs, with
    // 2 when a stored job has the request ID.
    private const string Create = """
        local cap = tonumber(ARGV[6])
        if ARGV[7] ~= '' then
          local earlier = redis.call('GET', KEYS[6])
          if earlier and redis.call('EXISTS', ARGV[8] .. earlier) == 1 then return 2 end
        end
        if cap > 0 and tonumber(redis.call('GET', KEYS[5]) or '0') >= cap then return 0 end
        redis.call('HSET', KEYS[1], 'record', ARGV[1], 'attempt', ARGV[2], 'done', '0')
        redis.call('DEL', KEYS[2])
        for i = 9, #ARGV do redis.call('HSET', KEYS[2], tostring(i - 9), ARGV[i]) end
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
        redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
        redis.call('INCR', KEYS[5])
        if ARGV[7] ~= '' then redis.call('SET', KEYS[6], ARGV[5], 'PX', ARGV[7]) end
        return 1
        """;

    private RedisKey JobKey(string id) => redis.Prefix + "job:" + id;

    private RedisKey RequestKey(string caller, string requestId) => redis.Prefix + "request:" + caller + ":" + requestId;

    private RedisKey SpecKey(string id) => redis.Prefix + "job:" + id + ":spec";

    private RedisKey CheckpointKey(string id) => redis.Prefix + "job:" + id + ":checkpoint";

    private RedisKey FramesKey(string id) => redis.Prefix + "job:" + id + ":frames";

    private RedisKey VideoPartsKey(string id) => redis.Prefix + "job:" + id + ":video-parts";

    private RedisKey VideoResultKey(string id) => redis.Prefix + "job:" + id + ":video-result";

    private RedisKey IndexKey => redis.Prefix + "jobs";

    private RedisKey PendingWebhooksKey => redis.Prefix + "webhooks:pending";

    private RedisKey CallerIndexKey(string caller) => redis.Prefix + "jobs:caller:" + caller;

    private RedisKey ActiveKey(string caller) => redis.Prefix + "jobs:active:" + caller;

    public async Task<JobCreation> CreateAsync(JobRecord record, JobSpec spec, int maxActiveOfCaller, TimeSpan requestRetention, CancellationToken cancellationToken)
    {
        // With a blob directory the spec's bytes go there first; Redis gets the reference.
        var bytes = JobSpecJson.Serialize(spec);
        var reference = blobs is null ? null : await blobs.WriteAsync(record.Id, "spec", bytes, cancellationToken).ConfigureAwait(false);
        JobCreation creation;
        try
        {
            var request = record.RequestId is { } requestId ? RequestKey(record.Caller, requestId) : JobKey(record.Id);
            creation = (int)await Call(() => redis.Db.ScriptEvaluateAsync(Create,
                [JobKey(record.Id), SpecKey(record.Id), IndexKey, CallerIndexKey(record.Caller), ActiveKey(record.Caller), request],
                [JobSpecJson.Serialize(record), record.Attempt, "", record.CreateTime.ToUnixTimeMilliseconds(),
                    record.Id, maxActiveOfCaller, record.RequestId is null ? "" : (long)requestRetention.TotalMilliseconds, redis.Prefix + "job:",
                    .. Pieces(reference is null ? bytes : System.Text.Encoding.UTF8.GetBytes(reference))]))
                .ConfigureAwait(false) switch
            {
                1 => JobCreation.Created,
                2 => JobCreation.RequestTaken,
                _ => JobCreation.CallerAtCap,
            };
        }
        catch when (reference is not null)
        {
            blobs!.Delete(reference);
            throw;
        }
        if (creation != JobCreation.Created && reference is not null)
        {
            // Refused: nothing of it stays behind.
            blobs!.Delete(reference);
        }
        return creation;
    }

    public async Task<JobRecord?> FindRequestAsync(string caller, string requestId, CancellationToken cancellationToken)
    {
        var id = await Call(() => redis.Db.StringGetAsync(RequestKey(caller, requestId))).ConfigureAwait(false);
        return id.IsNull ? null : await GetAsync(id.ToString(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var fields = await Call(() => redis.Db.HashGetAsync(JobKey(id), RecordFields)).ConfigureAwait(false);
        return Record(fields);
    }

    // The record and, kept beside it, its webhook's delivery.
    private static readonly RedisValue[] RecordFields = ["record", "notification"];

    private static JobRecord? Record(RedisValue[] fields)
    {
        if (fields[0].IsNull)
        {
            return null;
        }
        var record = JobSpecJson.DeserializeRecord((byte[])fields[0]!);
        return fields[1].IsNull ? record : record with { Notification = JobSpecJson.DeserializeNotification((byte[])fields[1]!) };
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = await Call(() => redis.Db.SortedSetRangeByRankAsync(IndexKey)).ConfigureAwait(false);
        return await RecordsAsync(IndexKey, ids).ConfigureAwait(false);
    }

    public async Task<JobPage?> ListPageAsync(string? caller, string? afterId, int pageSize, CancellationToken cancellationToken)
    {
        var index = caller is null ? IndexKey : CallerIndexKey(caller);
        long start = 0;
        if (afterId is not null)
        {
            if (await Call(() => redis.Db.SortedSetRankAsync(index, afterId, Order.Descending)).ConfigureAwait(false) is not { } rank)
            {
                return null;
            }
            start = rank + 1;
        }
        // One more than the page: whether there is a next one.
        var ids = await Call(() => redis.Db.SortedSetRangeByRankAsync(index, start, start + pageSize, Order.Descending)).ConfigureAwait(false);
        var records = await RecordsAsync(index, ids.Take(pageSize).ToArray()).ConfigureAwait(false);
        return new JobPage(records, ids.Length > pageSize && records.Count > 0 ? records[^1].Id : null);
    }

    public async Task<bool> SaveAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var due = JobNotification.DueOf(record) is { } at ? (RedisValue)at.ToUnixTimeMilliseconds() : RedisValue.EmptyString;
        var saved = await Fenced(() => redis.Db.ScriptEvaluateAsync(FencedRecord,
            [JobKey(record.Id), ActiveKey(record.Caller), SpecKey(record.Id), CheckpointKey(record.Id), PendingWebhooksKey],
            [record.Attempt, JobSpecJson.Serialize(record), record.Done ? "1" : "0", due, record.Id]))
            .ConfigureAwait(false);
        if (saved && record.Done)
        {
            // Its references are gone with its end: so are the files.
            blobs?.DeleteJob(record.Id);
        }
        return saved;
    }

    public async Task<JobSpec?> ReadSpecAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var stored = await PayloadAsync(SpecKey(record.Id), cancellationToken).ConfigureAwait(false)
            ?? await LegacyFieldAsync(record.Id, "spec").ConfigureAwait(false);
        return stored is null ? null : JobSpecJson.Deserialize(stored, record.Kind);
    }

    public Task<bool> AppendFramesAsync(string id, int attempt, IReadOnlyList<StylizeResponse> added, IReadOnlyList<long> superseded,
        CancellationToken cancellationToken)
    {
        // ARGV: attempt, the number of frames added, then each one's sequence and bytes, then the superseded sequences.
        var args = new List<RedisValue>(2 + 2 * added.Count + superseded.Count) { attempt, added.Count };
        foreach (var frame in added)
        {
            args.Add(frame.Sequence);
            args.Add(frame.ToByteArray());
        }
        args.AddRange(superseded.Select(s => (RedisValue)s));
        return Fenced(() => redis.Db.ScriptEvaluateAsync(AppendFrames, [JobKey(id), FramesKey(id)], [.. args]));
    }

    public async Task<IReadOnlyList<StylizeResponse>> ReadFramesAsync(string id, long afterSequence, CancellationToken cancellationToken)
    {
        var entries = await Call(() => redis.Db.StreamRangeAsync(FramesKey(id), $"({afterSequence}-0", "+")).ConfigureAwait(false);
        if (entries.Length == 0 && afterSequence == 0)
        {
            return await LegacyFramesAsync(id).ConfigureAwait(false);
        }
        return [.. entries.Select(e => StylizeResponse.Parser.ParseFrom((byte[])e["f"]!))];
    }

    public async Task<StylizeResponse?> ReadLastFrameAsync(string id, CancellationToken cancellationToken)
    {
        var last = await Call(() => redis.Db.StreamRangeAsync(FramesKey(id), "-", "+", count: 1, messageOrder: Order.Descending)).ConfigureAwait(false);
        if (last.Length == 1)
        {
            return StylizeResponse.Parser.ParseFrom((byte[])last[0]["f"]!);
        }
        return (await LegacyFramesAsync(id).ConfigureAwait(false)).LastOrDefault();
    }

    // Frames as earlier versions kept them: per attempt, length-delimited, in fields of the job's hash (read without its checkpoint).
    private async Task<List<StylizeResponse>> LegacyFramesAsync(string id)
    {
        var fields = await Call(async () => await redis.Db.HashScanAsync(JobKey(id), "frames:*").ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
        var frames = new List<StylizeResponse>();
        foreach (var field in fields)
        {
            using var stream = new MemoryStream((byte[])field.Value!);
            while (stream.Position < stream.Length)
            {
                frames.Add(StylizeResponse.Parser.ParseDelimitedFrom(stream));
            }
        }
        return [.. frames.OrderBy(f => f.Sequence)];
    }

    public async Task<bool> SaveCheckpointAsync(string id, int attempt, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken)
    {
        // With a blob directory the bytes go to a new file first; Redis gets its reference.
        var reference = blobs is null ? null : await blobs.WriteAsync(id, $"checkpoint-{attempt}", checkpoint, cancellationToken).ConfigureAwait(false);
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await Call(() => redis.Db.ScriptEvaluateAsync(FencedPayload, [JobKey(id), CheckpointKey(id)],
                [attempt, .. Pieces(reference is null ? checkpoint : System.Text.Encoding.UTF8.GetBytes(reference))])).ConfigureAwait(false))!;
        }
        catch when (reference is not null)
        {
            blobs!.Delete(reference);
            throw;
        }
        if ((int)result[0] != 1)
        {
            if (reference is not null)
            {
                blobs!.Delete(reference);
            }
            return false;
        }
        if (result is [_, var replaced] && (string?)replaced is { } previous)
        {
            blobs?.Delete(previous);
        }
        return true;
    }

    public async Task<byte[]?> ReadCheckpointAsync(string id, CancellationToken cancellationToken)
    {
        return await PayloadAsync(CheckpointKey(id), cancellationToken).ConfigureAwait(false)
            ?? await LegacyFieldAsync(id, "checkpoint").ConfigureAwait(false);
    }

    public async Task<bool> SaveVideoPartAsync(string id, int attempt, int index, ReadOnlyMemory<byte> part, CancellationToken cancellationToken) =>
        await Fenced(() => redis.Db.ScriptEvaluateAsync(SaveVideoPart, [JobKey(id), VideoPartsKey(id)], [attempt, index, part])).ConfigureAwait(false);

    public async Task<byte[]?> ReadVideoPartAsync(string id, int index, CancellationToken cancellationToken) =>
        (byte[]?)await Call(() => redis.Db.HashGetAsync(VideoPartsKey(id), index)).ConfigureAwait(false);

    // The same fenced write as a part's, into the result's own hash.
    public async Task<bool> SaveVideoResultChunkAsync(string id, int attempt, int index, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        await Fenced(() => redis.Db.ScriptEvaluateAsync(SaveVideoPart, [JobKey(id), VideoResultKey(id)], [attempt, index, chunk])).ConfigureAwait(false);

    public async Task<byte[]?> ReadVideoResultChunkAsync(string id, int index, CancellationToken cancellationToken) =>
        (byte[]?)await Call(() => redis.Db.HashGetAsync(VideoResultKey(id), index)).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> ClaimDueNotificationsAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        var due = (RedisResult[])(await Call(() => redis.Db.ScriptEvaluateAsync(ClaimDue, [PendingWebhooksKey],
            [now.ToUnixTimeMilliseconds(), (long)lease.TotalMilliseconds, max])).ConfigureAwait(false))!;
        return [.. due.Select(d => d.ToString())];
    }

    public async Task<bool> SaveNotificationAsync(string id, JobNotification notification, DateTimeOffset? due, CancellationToken cancellationToken) =>
        await Fenced(() => redis.Db.ScriptEvaluateAsync(SaveNotification, [JobKey(id), PendingWebhooksKey],
            [JobSpecJson.Serialize(notification), id, due is { } at ? (RedisValue)at.ToUnixTimeMilliseconds() : RedisValue.EmptyString])).ConfigureAwait(false);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await Call(() => redis.Db.SortedSetRemoveAsync(PendingWebhooksKey, id)).ConfigureAwait(false);
        var record = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        var deleted = await Call(() => redis.Db.KeyDeleteAsync([JobKey(id), SpecKey(id), CheckpointKey(id), FramesKey(id), VideoPartsKey(id), VideoResultKey(id)])).ConfigureAwait(false);
        blobs?.DeleteJob(id);
        await Call(() => redis.Db.SortedSetRemoveAsync(IndexKey, id)).ConfigureAwait(false);
        if (record is not null)
        {
            await Call(() => redis.Db.SortedSetRemoveAsync(CallerIndexKey(record.Caller), id)).ConfigureAwait(false);
        }
        return deleted > 0;
    }

    // A payload's pieces as script arguments.
    private static RedisValue[] Pieces(ReadOnlyMemory<byte> bytes) => [.. RedisPayloadChunks.Split(bytes).Select(p => (RedisValue)p)];

    // A payload key's bytes: its pieces joined (a string, from an earlier version, as it is), or the file its reference names
    // (a value written with a blob directory).
    private async Task<byte[]?> PayloadAsync(RedisKey key, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            var fields = await Call(() => redis.Db.HashGetAllAsync(key)).ConfigureAwait(false);
            if (fields.Length == 0)
            {
                return null;
            }
            bytes = RedisPayloadChunks.Join(fields);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            var value = await Call(() => redis.Db.StringGetAsync(key)).ConfigureAwait(false);
            if (value.IsNull)
            {
                return null;
            }
            bytes = (byte[])value!;
        }
        if (!JobBlobFolder.IsReference(bytes))
        {
            return bytes;
        }
        return blobs is null
            ? throw new InvalidDataException($"{key} refers to a file of a blob directory, and StyleGrpc:BlobDirectory is not set on this replica")
            : await blobs.ReadAsync(System.Text.Encoding.UTF8.GetString(bytes), cancellationToken).ConfigureAwait(false);
    }

    // A job stored by an earlier version keeps its payloads as fields of its hash.
    private async Task<byte[]?> LegacyFieldAsync(string id, string field)
    {
        var value = await Call(() => redis.Db.HashGetAsync(JobKey(id), field)).ConfigureAwait(false);
        return value.IsNull ? null : (byte[])value!;
    }

    // The records of these IDs in one round trip; IDs whose record is gone (deleted since) leave the index.
    private async Task<IReadOnlyList<JobRecord>> RecordsAsync(RedisKey index, RedisValue[] ids)
    {
        var batch = redis.Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync(JobKey(id.ToString()), RecordFields)).ToList();
        batch.Execute();
        var values = await Call(() => Task.WhenAll(reads)).ConfigureAwait(false);
        var records = new List<JobRecord>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (Record(values[i]) is { } record)
            {
                records.Add(record);
            }
            else
            {
                await Call(() => redis.Db.SortedSetRemoveAsync(index, ids[i])).ConfigureAwait(false);
            }
        }
        return records;
    }

    private async Task<bool> Fenced(Func<Task<RedisResult>> write) => (int)await Call(write).ConfigureAwait(false) == 1;

    // Redis errors become the service's own (RedisConnection.CallAsync): unreachable → UNAVAILABLE, full → RESOURCE_EXHAUSTED.
    private Task<T> Call<T>(Func<Task<T>> call) => redis.CallAsync(call, "job store", "a job");
}
