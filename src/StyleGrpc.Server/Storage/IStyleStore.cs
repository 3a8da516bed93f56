namespace StyleGrpc.Server.Storage;

/// <summary>
/// Where registered styles live: metadata, the uploaded image and the targets computed for it, each checked against
/// the SHA-256 in the metadata when read. Two implementations: <see cref="FileStyleStore"/> (a local data directory, one
/// replica) and <see cref="RedisStyleStore"/> (shared by every replica). Chosen by <c>StyleGrpc:Store</c>.
/// </summary>
public interface IStyleStore
{
    /// <summary>What and where, for logs: "file /srv/data/styles", "redis 10.0.0.5:6379".</summary>
    string Description { get; }

    /// <summary>Raised with a style ID when this or another replica registered, replaced or deleted it.</summary>
    event Action<string>? Changed;

    /// <summary>Damaged entries moved aside since this process started.</summary>
    int QuarantinedCount { get; }

    /// <summary>Where damaged entries found since start were moved.</summary>
    IReadOnlyList<string> Quarantined { get; }

    /// <summary>The style's metadata, or null when no style has this ID.</summary>
    Task<StyleRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Styles ordered by ID, after <paramref name="afterId"/>; with whether more follow and the total.</summary>
    Task<(IReadOnlyList<StyleRecord> Page, bool More, int Total)> ListAsync(string? afterId, int pageSize, CancellationToken cancellationToken);

    Task<int> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a style whole (metadata, image and one targets blob), atomically: readers see the old style or the new one.
    /// Assigns <see cref="StyleRecord.Version"/>. Without <paramref name="replace"/> an existing ID fails with
    /// <see cref="Styles.StyleAlreadyExistsException"/>. A full store fails with <see cref="StorageFullException"/>
    /// and leaves nothing behind.
    /// </summary>
    Task<StyleRecord> SaveAsync(StyleRecord record, byte[] image, byte[] targets, bool replace, CancellationToken cancellationToken);

    /// <summary>Deletes a style and everything stored with it; false when no style had the ID.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>The uploaded image, checked against its SHA-256; a damaged entry is moved aside and <see cref="Styles.StyleNotFoundException"/> thrown.</summary>
    Task<byte[]> ReadImageAsync(StyleRecord record, CancellationToken cancellationToken);

    /// <summary>A targets blob, or null when it is missing or does not match its SHA-256 (the caller recomputes it).</summary>
    Task<byte[]?> ReadTargetsAsync(StyleRecord record, TargetsFile file, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a targets blob to the style at <paramref name="record"/>'s version and returns the updated record; null when
    /// the style was replaced or deleted meanwhile (nothing is written then).
    /// </summary>
    Task<StyleRecord?> AddTargetsAsync(StyleRecord record, TargetsFile file, byte[] targets, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the style's <see cref="StyleRecord.FeedForward"/> and replaces its stored network with <paramref name="weights"/>
    /// (null = none), atomically, if the style is still the registration <paramref name="styleVersion"/>; returns the updated
    /// record, or null when the style was replaced or deleted meanwhile (nothing is written then). Every replica sees it.
    /// </summary>
    Task<StyleRecord?> UpdateFeedForwardAsync(string id, long styleVersion, FeedForwardInfo info, byte[]? weights, CancellationToken cancellationToken);

    /// <summary>The style's stored network, or null when it has none or it does not match <see cref="FeedForwardInfo.WeightsSha256"/>.</summary>
    Task<byte[]?> ReadFeedForwardAsync(StyleRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Holds a short lock named <paramref name="name"/> across every replica sharing the store, so targets are computed
    /// once across the fleet; null when another holder has it (wait and look again). Stores with one replica lock nothing.
    /// </summary>
    Task<IAsyncDisposable?> TryLockAsync(string name, TimeSpan lifetime, CancellationToken cancellationToken);

    /// <summary>Whether the store answers now (readiness); the reason when not.</summary>
    Task<(bool Reachable, string Detail)> CheckAsync(CancellationToken cancellationToken);
}
