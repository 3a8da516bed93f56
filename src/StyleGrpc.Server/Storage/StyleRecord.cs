namespace StyleGrpc.Server.Storage;

/// <summary>A registered style's metadata, as a store keeps it (<c>style.json</c> on disk, a hash field in Redis).</summary>
public sealed record StyleRecord
{
    /// <summary>Changes on every registration or replacement of the ID: cached targets are keyed by it, so a replaced style is never served stale.</summary>
    public long Version { get; init; }

    public required string Id { get; init; }

    public required string DisplayName { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>SHA-256 of the stored image bytes, verified on load.</summary>
    public required string ImageSha256 { get; init; }

    public required long ImageBytes { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    /// <summary>Longer side the style image is scaled to for its targets.</summary>
    public required int StyleSize { get; init; }

    /// <summary>Preset the style was registered for.</summary>
    public required string Preset { get; init; }

    /// <summary>Targets files computed so far, one per (network, preset, size).</summary>
    public required IReadOnlyList<TargetsFile> Targets { get; init; }

    /// <summary>The style's feed-forward network; null when it never had one (state NONE).</summary>
    public FeedForwardInfo? FeedForward { get; init; }

    /// <summary>Bytes the style occupies: image, targets and its network's weights.</summary>
    public long SizeBytes => ImageBytes + Targets.Sum(t => t.Bytes) + (FeedForward?.SizeBytes ?? 0);
}
