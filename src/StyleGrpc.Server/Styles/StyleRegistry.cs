using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Server.Model;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// Styles by ID on top of an <see cref="IStyleStore"/>: registration (targets computed once, at registration),
/// lookup, listing, deletion, and the targets a job needs. Targets are kept in a byte-bounded memory cache keyed by
/// style, version, network, preset and size, so a replaced style is never served stale. When the serving network or a
/// job's preset needs targets the store does not have, they are computed from the stored image once (once across the
/// fleet: a short store lock; once in this process: a local lock) and stored beside the others; a job whose targets
/// cannot be stored (a full disk) runs with them in memory.
/// </summary>
public sealed class StyleRegistry
{
    private static readonly TimeSpan ComputeLockLifetime = TimeSpan.FromMinutes(2);
    private readonly ModelHost model;
    private readonly IStyleStore store;
    private readonly StyleGrpcServerOptions options;
    private readonly ServerMetrics metrics;
    private readonly ILogger<StyleRegistry> logger;
    private readonly TimeProvider time;
    private readonly TargetsCache cache;
    private readonly FeedForwardNetworks networks;
    private readonly SemaphoreSlim computeLock = new(1, 1);
    private long targetsComputed;

    public StyleRegistry(ModelHost model, IStyleStore store, FeedForwardNetworks networks, IOptions<StyleGrpcServerOptions> options, ServerMetrics metrics,
        ILogger<StyleRegistry> logger, TimeProvider time)
    {
        this.networks = networks;
        this.model = model;
        this.store = store;
        this.options = options.Value;
        this.metrics = metrics;
        this.logger = logger;
        this.time = time;
        cache = new TargetsCache(this.options.StyleCacheBytes);
        store.Changed += OnChanged;
    }

    /// <summary>How many times targets were computed (registration or recomputation) in this process.</summary>
    public long TargetsComputed => Interlocked.Read(ref targetsComputed);

    /// <summary>Bytes of targets held in memory.</summary>
    public long CacheBytes => cache.Bytes;

    public int QuarantinedCount => store.QuarantinedCount;

    public async Task<StyleRecord> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new StyleNotFoundException(id);

    /// <summary>A style's stored image, as uploaded (checked against its checksum).</summary>
    public async Task<byte[]> GetImageAsync(string id, CancellationToken cancellationToken) =>
        await store.ReadImageAsync(await GetAsync(id, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Throws <see cref="StyleNotFoundException"/> for the first registered style a job names that is not registered: its
    /// own style's, then each region's (naming the region's field, e.g. <c>regions[1].style_name</c>).
    /// </summary>
    public async Task RequireAsync(Jobs.StylizeJobSpec spec, CancellationToken cancellationToken)
    {
        await RequireAsync(spec.Style.RegisteredIds, cancellationToken).ConfigureAwait(false);
        var regions = spec.Regions ?? [];
        for (var i = 0; i < regions.Count; i++)
        {
            var ids = regions[i].Style.RegisteredIds;
            for (var j = 0; j < ids.Count; j++)
            {
                if (await store.GetAsync(ids[j], cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new StyleNotFoundException(ids[j], ids.Count == 1 ? $"regions[{i}].style_name" : $"regions[{i}].blend.components[{j}].style");
                }
            }
        }
    }

    /// <summary>Throws <see cref="StyleNotFoundException"/> for the first of <paramref name="ids"/> that is not registered.</summary>
    public async Task RequireAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        foreach (var id in ids)
        {
            await GetAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<(IReadOnlyList<StyleRecord> Page, bool More, int Total)> ListAsync(string? afterId, int pageSize, CancellationToken cancellationToken) =>
        store.ListAsync(afterId, pageSize, cancellationToken);

    public Task<int> CountAsync(CancellationToken cancellationToken) => store.CountAsync(cancellationToken);

    /// <summary>Computes the style's targets and stores image and targets; returns the record.</summary>
    /// <exception cref="StyleAlreadyExistsException">The ID exists and <see cref="StyleRegistration.Replace"/> is not set.</exception>
    /// <exception cref="StorageFullException">The store is full; nothing was left behind.</exception>
    public async Task<StyleRecord> RegisterAsync(StyleRegistration registration, CancellationToken cancellationToken)
    {
        var engine = await model.GetEngineAsync(cancellationToken).ConfigureAwait(false);
        if (!registration.Replace && await store.GetAsync(registration.Id, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new StyleAlreadyExistsException(registration.Id);
        }
        var targets = await Task.Run(() => Compute(engine, registration.Id, registration.Decoded, registration.Preset, registration.StyleSize,
                engine.Preset(registration.Preset).AllLayers), cancellationToken)
            .ConfigureAwait(false);
        var key = TargetsKey(engine, registration.Preset, registration.StyleSize);
        var blob = Serialize(targets);
        var record = new StyleRecord
        {
            Id = registration.Id,
            DisplayName = registration.DisplayName,
            Width = registration.Decoded.Width,
            Height = registration.Decoded.Height,
            ImageSha256 = Sha256(registration.Image),
            ImageBytes = registration.Image.Length,
            CreateTime = time.GetUtcNow(),
            StyleSize = registration.StyleSize,
            Preset = registration.Preset,
            Targets = [Describe(key, registration.Preset, registration.StyleSize, targets, blob)],
        };
        var saved = await store.SaveAsync(record, registration.Image, blob, registration.Replace, cancellationToken).ConfigureAwait(false);
        cache.RemovePrefix(registration.Id + "/");
        // A replaced style's network was made for its old image: the store dropped it, and so does this process.
        networks.Forget(registration.Id);
        cache.Add(CacheKey(saved, key), targets);
        ServerLog.StyleRegistered(logger, saved.Id, saved.Width, saved.Height, saved.SizeBytes);
        return saved;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            throw new StyleNotFoundException(id);
        }
        cache.RemovePrefix(id + "/");
        networks.Forget(id);
        ServerLog.StyleDeleted(logger, id);
    }

    /// <summary>
    /// The targets of a style for level <paramref name="level"/> of <paramref name="plan"/>: the style image at
    /// <see cref="RunPlan.StyleSide"/> of its registered size, holding statistics for every layer the plan reads: from
    /// memory, else from the store, else computed from the stored image once and stored. Targets are keyed by the plan's
    /// preset (they hold the preset's layers, and serve explicit layers they cover) or, for layers the preset lacks, by the
    /// layer set.
    /// </summary>
    public Task<StyleTargets> GetTargetsAsync(string id, StyleTransferEngine engine, RunPlan plan, int level, CancellationToken cancellationToken) =>
        GetTargetsAsync(id, engine, plan.Preset, plan.AllLayers, registered => plan.StyleSide(registered, level), cancellationToken);

    /// <summary>
    /// The targets of a style at its registered size holding <paramref name="layers"/> of <paramref name="preset"/> (a
    /// feed-forward training's style layers), found or computed as for a run's level.
    /// </summary>
    public Task<StyleTargets> GetTargetsAsync(string id, StyleTransferEngine engine, string preset, IReadOnlyList<string> layers,
        CancellationToken cancellationToken) =>
        GetTargetsAsync(id, engine, preset, layers, registered => registered, cancellationToken);

    private async Task<StyleTargets> GetTargetsAsync(string id, StyleTransferEngine engine, string presetName, IReadOnlyList<string> allLayers,
        Func<int, int> styleSideOf, CancellationToken cancellationToken)
    {
        var record = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        var styleSide = styleSideOf(record.StyleSize);
        var presetKey = TargetsKey(engine, presetName, styleSide);
        var layerPreset = engine.Preset(presetName);
        var needed = allLayers.Order(StringComparer.Ordinal).ToList();
        if (await FromCacheOrStoreAsync(record, presetKey, cancellationToken).ConfigureAwait(false) is { } found && needed.All(l => found.Find(l) is not null))
        {
            return found;
        }
        // Layers the preset's targets lack get targets of their own, keyed by the layer set.
        var key = needed.All(l => layerPreset.AllLayers.Contains(l)) ? presetKey : $"{presetKey}-{LayerSetKey(needed)}";
        var layers = key == presetKey ? layerPreset.AllLayers : needed;
        if (key != presetKey && await FromCacheOrStoreAsync(record, key, cancellationToken).ConfigureAwait(false) is { } forLayers)
        {
            return forLayers;
        }
        await computeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                // Another job here, or another replica, may have computed them while this one waited.
                record = await GetAsync(id, cancellationToken).ConfigureAwait(false);
                if (await FromCacheOrStoreAsync(record, key, cancellationToken).ConfigureAwait(false) is { } ready)
                {
                    return ready;
                }
                await using var held = await store.TryLockAsync($"{id}/{key}", ComputeLockLifetime, cancellationToken).ConfigureAwait(false);
                if (held is null)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                return await ComputeAndStoreAsync(engine, record, presetName, styleSide, layers, key, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            computeLock.Release();
        }
    }

    private async Task<StyleTargets?> FromCacheOrStoreAsync(StyleRecord record, string key, CancellationToken cancellationToken)
    {
        if (cache.TryGet(CacheKey(record, key), out var cached))
        {
            metrics.CacheHit();
            return cached;
        }
        metrics.CacheMiss();
        if (record.Targets.FirstOrDefault(t => t.Key == key) is not { } file
            || await store.ReadTargetsAsync(record, file, cancellationToken).ConfigureAwait(false) is not { } bytes)
        {
            return null;
        }
        var targets = StyleTargets.ReadFrom(new MemoryStream(bytes));
        cache.Add(CacheKey(record, key), targets);
        return targets;
    }

    private async Task<StyleTargets> ComputeAndStoreAsync(StyleTransferEngine engine, StyleRecord record, string preset, int styleSide,
        IReadOnlyList<string> layers, string key, CancellationToken cancellationToken)
    {
        var image = await store.ReadImageAsync(record, cancellationToken).ConfigureAwait(false);
        var decoded = StyleImages.Decode(image, record.StyleSize);
        var targets = await Task.Run(() => Compute(engine, record.Id, decoded, preset, styleSide, layers), cancellationToken).ConfigureAwait(false);
        cache.Add(CacheKey(record, key), targets);
        try
        {
            var blob = Serialize(targets);
            await store.AddTargetsAsync(record, Describe(key, preset, styleSide, targets, blob), blob, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StorageFullException or StoreUnavailableException)
        {
            // The job needs the targets, not their copy in the store: it runs with them in memory, and they are computed again later.
            ServerLog.TargetsNotPersisted(logger, record.Id, ex);
        }
        return targets;
    }

    private StyleTargets Compute(StyleTransferEngine engine, string id, RgbImage image, string preset, int styleSize, IReadOnlyList<string> layers)
    {
        var clock = Stopwatch.StartNew();
        var targets = engine.ComputeStyleTargets(image, styleSize, layers);
        Interlocked.Increment(ref targetsComputed);
        metrics.TargetsComputed();
        ServerLog.TargetsComputed(logger, id, engine.Network.Info.Fingerprint, preset, styleSize, clock.ElapsedMilliseconds);
        return targets;
    }

    // Another replica changed a style ("{id}:{version}"): drop what this one holds of older versions.
    private void OnChanged(string message)
    {
        var colon = message.LastIndexOf(':');
        if (colon <= 0 || !long.TryParse(message.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return;
        }
        var id = message[..colon];
        cache.RemoveWhere(key => key.StartsWith(id + "/", StringComparison.Ordinal) && VersionOf(key) < version);
    }

    private static long VersionOf(string cacheKey) =>
        long.Parse(cacheKey.Split('/')[1], NumberStyles.None, CultureInfo.InvariantCulture);

    private static string CacheKey(StyleRecord record, string targetsKey) =>
        $"{record.Id}/{record.Version.ToString(CultureInfo.InvariantCulture)}/{targetsKey}";

    // A short, stable name for a set of layers (for keys and file names).
    private static string LayerSetKey(IEnumerable<string> layers) =>
        "layers-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join(",", layers))))[..12];

    private static string TargetsKey(StyleTransferEngine engine, string preset, int styleSize) =>
        $"{engine.Network.Info.Fingerprint.Replace(':', '_')}-{preset}-{styleSize}";

    private static TargetsFile Describe(string key, string preset, int styleSize, StyleTargets targets, byte[] blob) =>
        new(key, targets.NetworkFingerprint, preset, styleSize, targets.Layers.Select(l => l.Layer).ToList(), Sha256(blob), blob.Length);

    private static byte[] Serialize(StyleTargets targets)
    {
        using var buffer = new MemoryStream();
        targets.WriteTo(buffer);
        return buffer.ToArray();
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
