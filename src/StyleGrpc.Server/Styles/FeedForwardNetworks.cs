using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// Styles' feed-forward networks: the one rule for when a style's network serves (READY and trained on the serving network),
/// the state changes a training makes in the style's record (TRAINING, READY with its weights, FAILED), and the loaded
/// networks, cached per (style, registration, network version): a newer version or a re-registered style replaces the
/// entry, and the replaced network is disposed once no run holds it.
/// </summary>
public sealed class FeedForwardNetworks(IStyleStore store, TimeProvider time) : IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim loading = new(1, 1);

    /// <summary>
    /// The style's network if it serves on <paramref name="network"/>; else <see cref="PreconditionFailedException"/> naming
    /// <paramref name="field"/> (the request field that asked for it).
    /// </summary>
    public static FeedForwardInfo RequireReady(StyleRecord record, string network, string field)
    {
        var info = record.FeedForward;
        if (info is not { State: FeedForwardState.Ready })
        {
            var state = info?.State switch
            {
                FeedForwardState.Training => $"its network is training ({info.OperationName})",
                FeedForwardState.Failed => $"its last training failed ({info.Error})",
                _ => "it has no network",
            };
            throw new PreconditionFailedException(field, $"style '{record.Id}' cannot serve feed-forward: {state}; train it with TrainStyleNetwork");
        }
        if (info.Network != network)
        {
            throw new PreconditionFailedException(field,
                $"style '{record.Id}' has a network trained with {info.Network}, but this server serves {network}; train it again here");
        }
        return info;
    }

    /// <summary>
    /// Checks, when the request is made, that a Stylize job that needs its style's network (<see cref="StylizeJobSpec.UsesFeedForward"/>)
    /// will find it serving; FAILED_PRECONDITION naming <c>options.method</c> or <c>options.init</c> otherwise. The run checks again.
    /// </summary>
    public async Task RequireServesAsync(StylizeJobSpec spec, string network, CancellationToken cancellationToken)
    {
        if (!spec.UsesFeedForward)
        {
            return;
        }
        var id = spec.Style.RegisteredIds[0];
        var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new StyleNotFoundException(id);
        RequireReady(record, network, spec.Method == StylizeMethod.FeedForward ? "options.method" : "options.init");
    }

    /// <summary>Marks the style TRAINING by <paramref name="operationName"/> (its stored network, if any, is dropped); null when it was replaced or deleted.</summary>
    public Task<StyleRecord?> MarkTrainingAsync(StyleRecord record, string operationName, int imageSize, CancellationToken cancellationToken) =>
        store.UpdateFeedForwardAsync(record.Id, record.Version, new FeedForwardInfo
        {
            State = FeedForwardState.Training,
            Version = record.FeedForward?.Version ?? 0,
            OperationName = operationName,
            ImageSize = imageSize,
        }, null, cancellationToken);

    /// <summary>Stores a trained network as the style's next version, READY; null when the style was replaced or deleted meanwhile.</summary>
    public async Task<StyleRecord?> StoreTrainedAsync(string styleId, long styleVersion, FeedForwardTrainingResult result, string network,
        string operationName, int imageSize, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(styleId, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Version != styleVersion)
        {
            return null;
        }
        return await store.UpdateFeedForwardAsync(styleId, styleVersion, new FeedForwardInfo
        {
            State = FeedForwardState.Ready,
            Version = (current.FeedForward?.Version ?? 0) + 1,
            Iterations = result.Iterations,
            FinalLoss = result.FinalLoss,
            Network = network,
            TrainedTime = time.GetUtcNow(),
            OperationName = operationName,
            ImageSize = imageSize,
        }, result.Weights, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the style's training FAILED with <paramref name="error"/>; a style replaced or deleted meanwhile is left alone.</summary>
    public async Task MarkFailedAsync(string styleId, long styleVersion, string operationName, string error, int imageSize, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(styleId, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Version != styleVersion)
        {
            return;
        }
        await store.UpdateFeedForwardAsync(styleId, styleVersion, new FeedForwardInfo
        {
            State = FeedForwardState.Failed,
            Version = current.FeedForward?.Version ?? 0,
            OperationName = operationName,
            Error = error,
            ImageSize = imageSize,
        }, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks the style FAILED with <paramref name="error"/> if it is still TRAINING by <paramref name="operationName"/>: for a
    /// training that ended while stored and not running anywhere (cancelled before a replica resumed it). A style that has
    /// moved on (another training, READY, replaced or deleted) is left alone.
    /// </summary>
    public async Task MarkEndedAsync(string styleId, string operationName, string error, CancellationToken cancellationToken)
    {
        var current = await store.GetAsync(styleId, cancellationToken).ConfigureAwait(false);
        if (current?.FeedForward is { State: FeedForwardState.Training } info && info.OperationName == operationName)
        {
            await MarkFailedAsync(styleId, current.Version, operationName, error, info.ImageSize, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The style's network, loaded (from memory, else from the store), held until the lease is disposed;
    /// <see cref="PreconditionFailedException"/> naming <paramref name="field"/> when it does not serve on <paramref name="network"/>
    /// or its stored weights are gone or damaged.
    /// </summary>
    public async Task<FeedForwardLease> AcquireAsync(StyleRecord record, string network, string field, CancellationToken cancellationToken)
    {
        var info = RequireReady(record, network, field);
        var key = $"{record.Version}/{info.Version}";
        if (TryLease(record.Id, key, info.Version) is { } cached)
        {
            return cached;
        }
        await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryLease(record.Id, key, info.Version) is { } loadedMeanwhile)
            {
                return loadedMeanwhile;
            }
            var weights = await store.ReadFeedForwardAsync(record, cancellationToken).ConfigureAwait(false)
                ?? throw new PreconditionFailedException(field, $"the stored network of style '{record.Id}' is missing or damaged; train it again");
            FeedForwardModel model;
            try
            {
                model = FeedForwardModel.Load(weights);
            }
            catch (InvalidDataException ex)
            {
                throw new PreconditionFailedException(field, $"the stored network of style '{record.Id}' cannot be read ({ex.Message}); train it again");
            }
            lock (gate)
            {
                if (loaded.Remove(record.Id, out var replaced))
                {
                    replaced.Evict();
                }
                var entry = new Entry(key, model);
                loaded[record.Id] = entry;
                return entry.Lease(info.Version);
            }
        }
        finally
        {
            loading.Release();
        }
    }

    /// <summary>Drops the loaded network of a style that was re-registered or deleted (disposed once no run holds it).</summary>
    public void Forget(string styleId)
    {
        lock (gate)
        {
            if (loaded.Remove(styleId, out var entry))
            {
                entry.Evict();
            }
        }
    }

    private FeedForwardLease? TryLease(string id, string key, int version)
    {
        lock (gate)
        {
            return loaded.TryGetValue(id, out var entry) && entry.Key == key ? entry.Lease(version) : null;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var entry in loaded.Values)
            {
                entry.Evict();
            }
            loaded.Clear();
        }
    }

    // A loaded network and the runs holding it; disposed when evicted and free.
    private sealed class Entry(string key, FeedForwardModel model)
    {
        private readonly Lock gate = new();
        private int users;
        private bool evicted;

        public string Key { get; } = key;

        public FeedForwardLease Lease(int version)
        {
            lock (gate)
            {
                users++;
            }
            return new FeedForwardLease(model, version, Release);
        }

        public void Evict()
        {
            lock (gate)
            {
                evicted = true;
                if (users > 0)
                {
                    return;
                }
            }
            model.Dispose();
        }

        private void Release()
        {
            lock (gate)
            {
                if (--users > 0 || !evicted)
                {
                    return;
                }
            }
            model.Dispose();
        }
    }
}
