using Google.Protobuf;
using Microsoft.Extensions.Options;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// Durable jobs in the data directory, for one process (<c>Store=file</c>): <c>{data}/jobs/{id}/</c> holds
/// <c>record.json</c>, <c>spec.json</c>, <c>frames-{attempt}.bin</c> (length-delimited frames) and <c>checkpoint.bin</c>.
/// Every file is written to a temporary name and renamed over the old one, so a crash leaves the old or the new file,
/// never half of one. One process owns the folder, so the attempt fence is checked under a local lock, and the index that
/// pages ListOperations and counts each caller's unfinished jobs is kept in memory (read from the folder once, at start).
/// </summary>
public sealed class FileJobStore : IJobStore
{
    private const string TempMarker = ".tmp-";
    private readonly string root;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly JobIndex index = new();
    private readonly NotificationIndex notifications = new();

    public FileJobStore(IOptions<StyleGrpcServerOptions> options)
    {
        root = Path.GetFullPath(Path.Combine(options.Value.DataDirectory, "jobs"));
        Directory.CreateDirectory(root);
        foreach (var stale in Directory.EnumerateFiles(root, "*" + TempMarker + "*", SearchOption.AllDirectories))
        {
            File.Delete(stale);
        }
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var path = Path.Combine(folder, "record.json");
            if (File.Exists(path))
            {
                var record = JobSpecJson.DeserializeRecord(File.ReadAllBytes(path));
                index.Set(record);
                notifications.Set(record.Id, JobNotification.DueOf(record));
            }
        }
    }

    public async Task<JobCreation> CreateAsync(JobRecord record, JobSpec spec, int maxActiveOfCaller, TimeSpan requestRetention, CancellationToken cancellationToken)
    {
        var folder = Folder(record.Id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (record.RequestId is { } requestId && index.JobOfRequest(record.Caller, requestId) is { } earlier
                && await GetAsync(earlier, cancellationToken).ConfigureAwait(false) is { } first && first.CreateTime + requestRetention > record.CreateTime)
            {
                return JobCreation.RequestTaken;
            }
            if (maxActiveOfCaller > 0 && index.ActiveOf(record.Caller) >= maxActiveOfCaller)
            {
                return JobCreation.CallerAtCap;
            }
            Directory.CreateDirectory(folder);
            await WriteAsync(Path.Combine(folder, "spec.json"), JobSpecJson.Serialize(spec), cancellationToken).ConfigureAwait(false);
            await WriteAsync(Path.Combine(folder, "record.json"), JobSpecJson.Serialize(record), cancellationToken).ConfigureAwait(false);
            index.Set(record);
            return JobCreation.Created;
        }
        catch (Exception ex)
        {
            // Nothing half-made stays behind: a job without its record would never be resumed or swept.
            Directory.Delete(folder, recursive: true);
            if (StorageFullException.IsDiskFull(ex))
            {
                throw new StorageFullException($"job '{record.Id}'", ex);
            }
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<JobRecord?> FindRequestAsync(string caller, string requestId, CancellationToken cancellationToken) =>
        index.JobOfRequest(caller, requestId) is { } id ? await GetAsync(id, cancellationToken).ConfigureAwait(false) : null;

    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder(id), "record.json");
        return File.Exists(path) ? JobSpecJson.DeserializeRecord(await ReadAsync(path, cancellationToken).ConfigureAwait(false)) : null;
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var records = new List<JobRecord>();
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            if (await GetAsync(Path.GetFileName(folder), cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }
        return [.. records.OrderBy(r => r.CreateTime).ThenBy(r => r.Id, StringComparer.Ordinal)];
    }

    public async Task<JobPage?> ListPageAsync(string? caller, string? afterId, int pageSize, CancellationToken cancellationToken)
    {
        if (index.Page(caller, afterId, pageSize) is not { } page)
        {
            return null;
        }
        var records = new List<JobRecord>(page.Ids.Count);
        foreach (var id in page.Ids)
        {
            if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }
        return new JobPage(records, page.More && records.Count > 0 ? records[^1].Id : null);
    }

    public async Task<bool> SaveAsync(JobRecord record, CancellationToken cancellationToken)
    {
        // The stored notification stands: only SaveNotificationAsync changes it.
        var saved = await FencedAsync(record.Id, record.Attempt, "record.json",
            stored => JobSpecJson.Serialize(record = record with { Notification = stored.Notification ?? record.Notification }), cancellationToken,
            ending: record.Done).ConfigureAwait(false);
        if (saved)
        {
            index.Set(record);
            notifications.Set(record.Id, JobNotification.DueOf(record));
            if (record.Done)
            {
                // What only a run needs (the request's images, the checkpoint) goes with the job's end.
                File.Delete(Path.Combine(Folder(record.Id), "spec.json"));
                File.Delete(Path.Combine(Folder(record.Id), "checkpoint.bin"));
            }
        }
        return saved;
    }

    public async Task<JobSpec?> ReadSpecAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder(record.Id), "spec.json");
        return File.Exists(path) ? JobSpecJson.Deserialize(await ReadAsync(path, cancellationToken).ConfigureAwait(false), record.Kind) : null;
    }

    public async Task<bool> AppendFramesAsync(string id, int attempt, IReadOnlyList<StylizeResponse> added, IReadOnlyList<long> superseded,
        CancellationToken cancellationToken)
    {
        // One process writes a job's frames: the attempt's file is read, changed and written whole (a few frames).
        var path = Path.Combine(Folder(id), $"frames-{attempt}.bin");
        var frames = File.Exists(path) ? Parse(await ReadAsync(path, cancellationToken).ConfigureAwait(false)) : [];
        frames.RemoveAll(f => superseded.Contains(f.Sequence));
        frames.AddRange(added);
        using var buffer = new MemoryStream();
        foreach (var frame in frames)
        {
            frame.WriteDelimitedTo(buffer);
        }
        // Progress comes up to MaxProgressFramesPerSecond: those writes go through the page cache unsynced (a crash loses at
        // most the latest progress, which the next one supersedes); a write that adds any other frame (the result, a level,
        // the start) is synced like the record.
        return await FencedAsync(id, attempt, $"frames-{attempt}.bin", buffer.ToArray(), cancellationToken, durable: added.Any(f => f.Progress is null))
            .ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StylizeResponse>> ReadFramesAsync(string id, long afterSequence, CancellationToken cancellationToken)
    {
        var folder = Folder(id);
        if (!Directory.Exists(folder))
        {
            return [];
        }
        var frames = new List<StylizeResponse>();
        foreach (var path in Directory.EnumerateFiles(folder, "frames-*.bin").Where(p => !p.Contains(TempMarker, StringComparison.Ordinal)))
        {
            frames.AddRange(Parse(await ReadAsync(path, cancellationToken).ConfigureAwait(false)).Where(f => f.Sequence > afterSequence));
        }
        return [.. frames.OrderBy(f => f.Sequence)];
    }

    public async Task<StylizeResponse?> ReadLastFrameAsync(string id, CancellationToken cancellationToken) =>
        (await ReadFramesAsync(id, 0, cancellationToken).ConfigureAwait(false)).LastOrDefault();

    // The frames of a file; a file cut short (a crash before an unsynced write reached the disk) yields the whole frames before the cut.
    private static List<StylizeResponse> Parse(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        var frames = new List<StylizeResponse>();
        try
        {
            while (stream.Position < stream.Length)
            {
                frames.Add(StylizeResponse.Parser.ParseDelimitedFrom(stream));
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // The rest is damaged: what came before stands.
        }
        return frames;
    }

    public Task<bool> SaveCheckpointAsync(string id, int attempt, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken) =>
        FencedAsync(id, attempt, "checkpoint.bin", checkpoint, cancellationToken);

    public Task<byte[]?> ReadCheckpointAsync(string id, CancellationToken cancellationToken) => ReadIfKeptAsync(id, "checkpoint.bin", cancellationToken);

    public Task<bool> SaveVideoPartAsync(string id, int attempt, int index, ReadOnlyMemory<byte> part, CancellationToken cancellationToken) =>
        FencedAsync(id, attempt, VideoPartFile(index), part, cancellationToken);

    public Task<byte[]?> ReadVideoPartAsync(string id, int index, CancellationToken cancellationToken) =>
        ReadIfKeptAsync(id, VideoPartFile(index), cancellationToken);

    private static string VideoPartFile(int index) => $"video-part-{index:D6}.bin";

    public Task<bool> SaveVideoResultChunkAsync(string id, int attempt, int index, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        FencedAsync(id, attempt, VideoResultFile(index), chunk, cancellationToken);

    public Task<byte[]?> ReadVideoResultChunkAsync(string id, int index, CancellationToken cancellationToken) =>
        ReadIfKeptAsync(id, VideoResultFile(index), cancellationToken);

    private static string VideoResultFile(int index) => $"video-result-{index:D6}.bin";

    // One of the job's files; null when it was never written (or the job is gone).
    private async Task<byte[]?> ReadIfKeptAsync(string id, string file, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder(id), file);
        return File.Exists(path) ? await ReadAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    public Task<IReadOnlyList<string>> ClaimDueNotificationsAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken) =>
        Task.FromResult(notifications.Claim(now, lease, max));

    public async Task<bool> SaveNotificationAsync(string id, JobNotification notification, DateTimeOffset? due, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
            {
                notifications.Set(id, null);
                return false;
            }
            await WriteAsync(Path.Combine(Folder(id), "record.json"), JobSpecJson.Serialize(stored with { Notification = notification }), cancellationToken).ConfigureAwait(false);
            notifications.Set(id, due);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var folder = Folder(id);
            if (!Directory.Exists(folder))
            {
                return false;
            }
            Directory.Delete(folder, recursive: true);
            index.Remove(id);
            notifications.Set(id, null);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    // Writes a file of the job unless the stored record belongs to a later attempt.
    private Task<bool> FencedAsync(string id, int attempt, string file, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken, bool durable = true) =>
        FencedAsync(id, attempt, file, _ => bytes, cancellationToken, durable);

    // The same, with the bytes made from the stored record; a record (ending = whether it says the job ended) never replaces
    // one that says the job has ended by one that says it has not: an end is final.
    private async Task<bool> FencedAsync(string id, int attempt, string file, Func<JobRecord, ReadOnlyMemory<byte>> bytesOf, CancellationToken cancellationToken,
        bool durable = true, bool? ending = null)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (stored is null || stored.Attempt > attempt || (ending == false && stored.Done))
            {
                return false;
            }
            await WriteAsync(Path.Combine(Folder(id), file), bytesOf(stored), cancellationToken, durable).ConfigureAwait(false);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private string Folder(string id) => OperationNames.JobId(OperationNames.Of(id)) is not null
        ? Path.Combine(root, id)
        : throw new ArgumentException($"'{id}' is not a job ID", nameof(id));

    private static async Task WriteAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken, bool durable = true)
    {
        var temp = path + TempMarker + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: durable);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken) => File.ReadAllBytesAsync(path, cancellationToken);
}
