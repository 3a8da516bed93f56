using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Storage;

/// <summary>
/// Styles in a local data directory, for one replica (the default). Each style is a folder <c>{data}/styles/{id}/</c>:
/// the uploaded <c>image</c>, <c>style.json</c> (metadata and a SHA-256 of every file), <c>targets/{key}.bin</c> and, once
/// trained, <c>feedforward.bin</c> (the style's feed-forward network).
/// Every file is written to a temporary name and renamed; a registration is staged in a new folder and swapped in, and
/// on failure (a full disk) its staging folder is removed at once. At start, leftovers of interrupted writes are swept
/// (at any depth) and damaged entries are moved to <c>{data}/quarantine/{id}-{time}</c>. The index is held in memory.
/// </summary>
public sealed class FileStyleStore : IStyleStore
{
    private const string MetadataFile = "style.json";
    private const string ImageFile = "image";
    private const string FeedForwardFile = "feedforward.bin";
    private const string TempMarker = ".tmp-";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly ILogger<FileStyleStore> logger;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly Dictionary<string, StyleRecord> styles = new(StringComparer.Ordinal);
    private readonly QuarantineList quarantined = new();
    private long lastVersion;

    public FileStyleStore(IOptions<StyleGrpcServerOptions> options, ILogger<FileStyleStore> logger, TimeProvider time)
    {
        this.logger = logger;
        this.time = time;
        Root = Path.GetFullPath(Path.Combine(options.Value.DataDirectory, "styles"));
        QuarantineRoot = Path.GetFullPath(Path.Combine(options.Value.DataDirectory, "quarantine"));
        Directory.CreateDirectory(Root);
        LoadAll();
    }

    /// <summary>Folder holding one sub-folder per style.</summary>
    public string Root { get; }

    /// <summary>Folder damaged entries are moved to.</summary>
    public string QuarantineRoot { get; }

    public string Description => "file " + Root;

    // One replica: its own registrations are the only changes, and the registry handles those itself.
    public event Action<string>? Changed
    {
        add { }
        remove { }
    }

    public int QuarantinedCount => quarantined.Count;

    public IReadOnlyList<string> Quarantined => quarantined.Places;

    public Task<StyleRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(styles.GetValueOrDefault(id));
        }
    }

    public Task<(IReadOnlyList<StyleRecord> Page, bool More, int Total)> ListAsync(string? afterId, int pageSize, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var ordered = styles.Values.OrderBy(s => s.Id, StringComparer.Ordinal)
                .Where(s => afterId is null || string.CompareOrdinal(s.Id, afterId) > 0).ToList();
            return Task.FromResult<(IReadOnlyList<StyleRecord>, bool, int)>((ordered.Take(pageSize).ToList(), ordered.Count > pageSize, styles.Count));
        }
    }

    public Task<int> CountAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(styles.Count);
        }
    }

    public async Task<StyleRecord> SaveAsync(StyleRecord record, byte[] image, byte[] targets, bool replace, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                if (!replace && styles.ContainsKey(record.Id))
                {
                    throw new StyleAlreadyExistsException(record.Id);
                }
            }
            var saved = record with { Version = Interlocked.Increment(ref lastVersion) };
            var staging = Path.Combine(Root, $".staging-{Guid.NewGuid():N}");
            try
            {
                Directory.CreateDirectory(Path.Combine(staging, "targets"));
                WriteAtomically(Path.Combine(staging, "targets", saved.Targets[0].Key + ".bin"), targets);
                WriteAtomically(Path.Combine(staging, ImageFile), image);
                WriteAtomically(Path.Combine(staging, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(saved, Json));
                SwapIn(staging, Path.Combine(Root, saved.Id));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A failed registration leaves nothing behind: its staging folder would hold the disk's last free bytes.
                TryDelete(staging);
                if (StorageFullException.IsDiskFull(ex))
                {
                    ServerLog.StorageFull(logger, $"registering style {saved.Id}", ex);
                    throw new StorageFullException($"style '{saved.Id}'", ex);
                }
                throw;
            }
            lock (gate)
            {
                styles[saved.Id] = saved;
            }
            return saved;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                if (!styles.Remove(id))
                {
                    return false;
                }
            }
            var trash = Path.Combine(Root, $".trash-{Guid.NewGuid():N}");
            Directory.Move(Path.Combine(Root, id), trash);
            Directory.Delete(trash, recursive: true);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<byte[]> ReadImageAsync(StyleRecord record, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Root, record.Id);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(dir, ImageFile), cancellationToken).ConfigureAwait(false);
        if (Sha256(bytes) == record.ImageSha256)
        {
            return bytes;
        }
        lock (gate)
        {
            styles.Remove(record.Id);
        }
        Quarantine(dir, "stored image does not match its checksum");
        throw new StyleNotFoundException(record.Id);
    }

    public async Task<byte[]?> ReadTargetsAsync(StyleRecord record, TargetsFile file, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Root, record.Id, "targets", file.Key + ".bin");
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            if (Sha256(bytes) == file.Sha256)
            {
                return bytes;
            }
            ServerLog.CorruptStyle(logger, path, "checksum mismatch; recomputing from the stored image");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ServerLog.CorruptStyle(logger, path, ex.Message + "; recomputing from the stored image");
        }
        return null;
    }

    public async Task<StyleRecord?> AddTargetsAsync(StyleRecord record, TargetsFile file, byte[] targets, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            StyleRecord? current;
            lock (gate)
            {
                if (!styles.TryGetValue(record.Id, out current) || current.Version != record.Version)
                {
                    return null;
                }
            }
            var dir = Path.Combine(Root, record.Id);
            Directory.CreateDirectory(Path.Combine(dir, "targets"));
            WriteAtomically(Path.Combine(dir, "targets", file.Key + ".bin"), targets);
            // The stored record, not the caller's copy: its network may have changed since the caller read it.
            var updated = current with { Targets = [.. current.Targets.Where(t => t.Key != file.Key), file] };
            WriteAtomically(Path.Combine(dir, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(updated, Json));
            lock (gate)
            {
                styles[record.Id] = updated;
            }
            return updated;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<StyleRecord?> UpdateFeedForwardAsync(string id, long styleVersion, FeedForwardInfo info, byte[]? weights,
        CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            StyleRecord? current;
            lock (gate)
            {
                if (!styles.TryGetValue(id, out current) || current.Version != styleVersion)
                {
                    return null;
                }
            }
            var dir = Path.Combine(Root, id);
            var path = Path.Combine(dir, FeedForwardFile);
            var updated = current with
            {
                FeedForward = info with { SizeBytes = weights?.Length ?? 0, WeightsSha256 = weights is null ? "" : Sha256(weights) },
            };
            try
            {
                if (weights is not null)
                {
                    WriteAtomically(path, weights);
                }
                WriteAtomically(Path.Combine(dir, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(updated, Json));
                if (weights is null)
                {
                    File.Delete(path);
                }
            }
            catch (IOException ex) when (StorageFullException.IsDiskFull(ex))
            {
                ServerLog.StorageFull(logger, $"storing the network of style {id}", ex);
                throw new StorageFullException($"the network of style '{id}'", ex);
            }
            lock (gate)
            {
                styles[id] = updated;
            }
            return updated;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<byte[]?> ReadFeedForwardAsync(StyleRecord record, CancellationToken cancellationToken)
    {
        if (record.FeedForward is not { SizeBytes: > 0 } info)
        {
            return null;
        }
        var path = Path.Combine(Root, record.Id, FeedForwardFile);
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            if (Sha256(bytes) == info.WeightsSha256)
            {
                return bytes;
            }
            ServerLog.CorruptStyle(logger, path, "feed-forward network does not match its checksum");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ServerLog.CorruptStyle(logger, path, ex.Message);
        }
        return null;
    }

    public Task<IAsyncDisposable?> TryLockAsync(string name, TimeSpan lifetime, CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable?>(NoLock.Instance);

    public Task<(bool Reachable, string Detail)> CheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.Exists(Root) ? (true, Description) : (false, $"data directory {Root} is gone"));

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // Never leave a partial temp file inside a live style's folder.
            File.Delete(temp);
            throw;
        }
    }

    private static void SwapIn(string staging, string final)
    {
        if (Directory.Exists(final))
        {
            var trash = final + $".trash-{Guid.NewGuid():N}";
            Directory.Move(final, trash);
            Directory.Move(staging, final);
            Directory.Delete(trash, recursive: true);
        }
        else
        {
            Directory.Move(staging, final);
        }
    }

    private void LoadAll()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.') || name.Contains(".trash-", StringComparison.Ordinal))
            {
                // Leftovers of an interrupted write or delete.
                TryDelete(dir);
                continue;
            }
            // Temp files of writes that never finished (a crash between write and rename), at any depth.
            foreach (var temp in Directory.EnumerateFiles(dir, "*" + TempMarker + "*", SearchOption.AllDirectories))
            {
                File.Delete(temp);
            }
            try
            {
                var record = JsonSerializer.Deserialize<StyleRecord>(File.ReadAllBytes(Path.Combine(dir, MetadataFile)), Json)
                    ?? throw new InvalidDataException("empty metadata");
                if (record.Id != name || !StyleId.IsValid(record.Id))
                {
                    throw new InvalidDataException($"metadata names style '{record.Id}'");
                }
                if (Sha256(File.ReadAllBytes(Path.Combine(dir, ImageFile))) != record.ImageSha256)
                {
                    throw new InvalidDataException("stored image does not match its checksum");
                }
                styles[record.Id] = record;
                lastVersion = Math.Max(lastVersion, record.Version);
            }
            catch (Exception ex) when (ex is IOException or JsonException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
            {
                Quarantine(dir, ex.Message);
            }
        }
        ServerLog.StylesLoaded(logger, styles.Count, Root);
    }

    // Moves a damaged entry out of the live folder, so it neither vanishes silently nor is overwritten by a new
    // registration of the same ID: operators find it under quarantine/ with the time it was found.
    private void Quarantine(string dir, string reason)
    {
        Directory.CreateDirectory(QuarantineRoot);
        var target = Path.Combine(QuarantineRoot, $"{Path.GetFileName(dir)}-{time.GetUtcNow():yyyyMMddTHHmmssfff}Z");
        Directory.Move(dir, target);
        quarantined.Add(target);
        ServerLog.Quarantined(logger, dir, reason, target);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
