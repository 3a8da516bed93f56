using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Hosting;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// Styles by ID. Each lives in <c>{data}/styles/{id}/</c>: the uploaded image, <c>style.json</c>
/// (metadata and a SHA-256 of every file) and <c>targets/{key}.bin</c>, one per (network, preset,
/// style size) the style has served. Targets are computed once, written atomically (temp file +
/// rename), verified on load and kept in a byte-bounded memory cache. When the server runs another
/// network or preset, they are recomputed from the stored image once. Damaged entries are moved to
/// <c>{data}/quarantine/</c> at start (counted, logged with their path); a damaged targets file is
/// recomputed from the stored image. A full disk fails a registration with <see cref="StorageFullException"/>
/// and leaves nothing behind; a job whose recomputed targets cannot be persisted still runs.
/// </summary>
public sealed class StyleRegistry
{
    private const string MetadataFile = "style.json";
    private const string ImageFile = "image";
    private const string TempMarker = ".tmp-";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly ModelHost model;
    private readonly StyleGrpcServerOptions options;
    private readonly ILogger<StyleRegistry> logger;
    private readonly TimeProvider time;
    private readonly TargetsCache cache;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly Dictionary<string, StyleRecord> styles = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly List<string> quarantined = [];
    private long targetsComputed;

    public StyleRegistry(ModelHost model, IOptions<StyleGrpcServerOptions> options, ILogger<StyleRegistry> logger, TimeProvider time)
    {
        this.model = model;
        this.options = options.Value;
        this.logger = logger;
        this.time = time;
        cache = new TargetsCache(this.options.StyleCacheBytes);
        Root = Path.GetFullPath(Path.Combine(this.options.DataDirectory, "styles"));
        QuarantineRoot = Path.GetFullPath(Path.Combine(this.options.DataDirectory, "quarantine"));
        Directory.CreateDirectory(Root);
        LoadAll();
    }

    /// <summary>Folder holding one sub-folder per style.</summary>
    public string Root { get; }

    /// <summary>Folder damaged entries are moved to.</summary>
    public string QuarantineRoot { get; }

    /// <summary>How many times targets were computed (registration or recomputation) since start.</summary>
    public long TargetsComputed => Interlocked.Read(ref targetsComputed);

    /// <summary>Where damaged entries found since start were moved.</summary>
    public IReadOnlyList<string> QuarantinedEntries
    {
        get
        {
            lock (gate)
            {
                return [.. quarantined];
            }
        }
    }

    /// <summary>Damaged entries found since start.</summary>
    public int QuarantinedCount
    {
        get
        {
            lock (gate)
            {
                return quarantined.Count;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return styles.Count;
            }
        }
    }

    public StyleRecord Get(string id)
    {
        lock (gate)
        {
            return styles.TryGetValue(id, out var record) ? record : throw new StyleNotFoundException(id);
        }
    }

    public bool Exists(string id)
    {
        lock (gate)
        {
            return styles.ContainsKey(id);
        }
    }

    /// <summary>Styles ordered by ID, starting after <paramref name="afterId"/>.</summary>
    public (IReadOnlyList<StyleRecord> Page, bool More, int Total) List(string? afterId, int pageSize)
    {
        lock (gate)
        {
            var ordered = styles.Values.OrderBy(s => s.Id, StringComparer.Ordinal)
                .Where(s => afterId is null || string.CompareOrdinal(s.Id, afterId) > 0).ToList();
            return (ordered.Take(pageSize).ToList(), ordered.Count > pageSize, styles.Count);
        }
    }

    /// <summary>Computes the style's targets, stores image and targets and returns the record.</summary>
    /// <exception cref="StyleAlreadyExistsException">The ID exists and <see cref="StyleRegistration.Replace"/> is not set.</exception>
    /// <exception cref="StorageFullException">The data directory is full; nothing was left behind.</exception>
    public async Task<StyleRecord> RegisterAsync(StyleRegistration registration, CancellationToken cancellationToken)
    {
        var engine = await model.GetEngineAsync(cancellationToken).ConfigureAwait(false);
        var id = registration.Id;
        if (!registration.Replace && Exists(id))
        {
            throw new StyleAlreadyExistsException(id);
        }
        var targets = await Task.Run(() => Compute(engine, id, registration.Decoded, registration.Preset, registration.StyleSize), cancellationToken)
            .ConfigureAwait(false);
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!registration.Replace && Exists(id))
            {
                throw new StyleAlreadyExistsException(id);
            }
            var key = TargetsKey(engine, registration.Preset, registration.StyleSize);
            var staging = Path.Combine(Root, $".staging-{Guid.NewGuid():N}");
            StyleRecord record;
            try
            {
                Directory.CreateDirectory(Path.Combine(staging, "targets"));
                var targetsFile = WriteTargets(staging, key, registration.Preset, registration.StyleSize, targets);
                WriteAtomically(Path.Combine(staging, ImageFile), registration.Image);
                record = new StyleRecord
                {
                    Id = id,
                    DisplayName = registration.DisplayName,
                    Width = registration.Decoded.Width,
                    Height = registration.Decoded.Height,
                    ImageSha256 = Convert.ToHexStringLower(SHA256.HashData(registration.Image)),
                    ImageBytes = registration.Image.Length,
                    CreateTime = time.GetUtcNow(),
                    StyleSize = registration.StyleSize,
                    Preset = registration.Preset,
                    Targets = [targetsFile],
                };
                WriteMetadata(staging, record);
                SwapIn(staging, Path.Combine(Root, id));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A failed registration leaves nothing behind: its staging folder would hold the disk's last free bytes.
                TryDelete(staging);
                if (StorageFullException.IsDiskFull(ex))
                {
                    ServerLog.StorageFull(logger, $"registering style {id}", ex);
                    throw new StorageFullException($"style '{id}'", ex);
                }
                throw;
            }
            cache.RemovePrefix(id + "/");
            cache.Add(id + "/" + key, targets);
            lock (gate)
            {
                styles[id] = record;
            }
            ServerLog.StyleRegistered(logger, id, record.Width, record.Height, record.SizeBytes);
            return record;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (gate)
            {
                if (!styles.Remove(id))
                {
                    throw new StyleNotFoundException(id);
                }
            }
            cache.RemovePrefix(id + "/");
            var trash = Path.Combine(Root, $".trash-{Guid.NewGuid():N}");
            Directory.Move(Path.Combine(Root, id), trash);
            Directory.Delete(trash, recursive: true);
            ServerLog.StyleDeleted(logger, id);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// The targets of a style for the serving network and <paramref name="preset"/> (null = the style's own
    /// preset when the network has it, else the network's default): from memory, else from disk, else
    /// computed from the stored image once and persisted.
    /// </summary>
    public async Task<StyleTargets> GetTargetsAsync(string id, StyleTransferEngine engine, string? preset, CancellationToken cancellationToken)
    {
        var record = Get(id);
        var presetName = !string.IsNullOrEmpty(preset) ? preset
            : engine.Network.Presets.Any(p => p.Name == record.Preset) ? record.Preset
            : engine.Network.Presets[0].Name;
        var key = TargetsKey(engine, presetName, record.StyleSize);
        if (cache.TryGet(id + "/" + key, out var cached))
        {
            return cached;
        }
        var dir = Path.Combine(Root, id);
        var stored = record.Targets.FirstOrDefault(t => t.Key == key);
        if (stored is not null && TryReadTargets(dir, stored) is { } fromDisk)
        {
            cache.Add(id + "/" + key, fromDisk);
            return fromDisk;
        }
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A concurrent request may have computed them while this one waited for the lock.
            if (cache.TryGet(id + "/" + key, out cached))
            {
                return cached;
            }
            record = Get(id);
            var image = ReadVerifiedImage(dir, record);
            var decoded = ImageCodec.Decode(image, options.MaxPixels);
            var targets = await Task.Run(() => Compute(engine, id, decoded, presetName, record.StyleSize), cancellationToken).ConfigureAwait(false);
            cache.Add(id + "/" + key, targets);
            try
            {
                var file = WriteTargets(dir, key, presetName, record.StyleSize, targets);
                var updated = record with { Targets = [.. record.Targets.Where(t => t.Key != key), file] };
                WriteMetadata(dir, updated);
                lock (gate)
                {
                    styles[id] = updated;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The job needs the targets, not their file: it runs with them in memory, and a later start recomputes them.
                ServerLog.TargetsNotPersisted(logger, id, ex);
            }
            return targets;
        }
        finally
        {
            writeLock.Release();
        }
    }

    private StyleTargets Compute(StyleTransferEngine engine, string id, RgbImage image, string preset, int styleSize)
    {
        var clock = Stopwatch.StartNew();
        var targets = engine.ComputeStyleTargets(image, new StyleTargetOptions { MaxSide = styleSize, Preset = preset });
        Interlocked.Increment(ref targetsComputed);
        ServerLog.TargetsComputed(logger, id, engine.Network.Info.Fingerprint, preset, styleSize, clock.ElapsedMilliseconds);
        return targets;
    }

    private static string TargetsKey(StyleTransferEngine engine, string preset, int styleSize) =>
        $"{engine.Network.Info.Fingerprint.Replace(':', '_')}-{preset}-{styleSize}";

    private static TargetsFile WriteTargets(string dir, string key, string preset, int styleSize, StyleTargets targets)
    {
        using var buffer = new MemoryStream();
        targets.WriteTo(buffer);
        var bytes = buffer.ToArray();
        var targetsDir = Path.Combine(dir, "targets");
        Directory.CreateDirectory(targetsDir);
        WriteAtomically(Path.Combine(targetsDir, key + ".bin"), bytes);
        return new TargetsFile(key, targets.NetworkFingerprint, preset, styleSize, targets.Layers.Select(l => l.Layer).ToList(),
            Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
    }

    private StyleTargets? TryReadTargets(string dir, TargetsFile file)
    {
        var path = Path.Combine(dir, "targets", file.Key + ".bin");
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != file.Sha256)
            {
                ServerLog.CorruptStyle(logger, path, "checksum mismatch; recomputing from the stored image");
                return null;
            }
            return StyleTargets.ReadFrom(new MemoryStream(bytes));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            ServerLog.CorruptStyle(logger, path, ex.Message + "; recomputing from the stored image");
            return null;
        }
    }

    private static byte[] ReadVerifiedImage(string dir, StyleRecord record)
    {
        var bytes = File.ReadAllBytes(Path.Combine(dir, ImageFile));
        return Convert.ToHexStringLower(SHA256.HashData(bytes)) == record.ImageSha256
            ? bytes
            : throw new InvalidDataException($"stored image of style '{record.Id}' does not match its checksum");
    }

    private static void WriteMetadata(string dir, StyleRecord record) =>
        WriteAtomically(Path.Combine(dir, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(record, Json));

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
                ReadVerifiedImage(dir, record);
                styles[record.Id] = record;
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
        lock (gate)
        {
            quarantined.Add(target);
        }
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
}
