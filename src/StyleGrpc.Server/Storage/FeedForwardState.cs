namespace StyleGrpc.Server.Storage;

/// <summary>Where a style's feed-forward network is.</summary>
public enum FeedForwardState
{
    /// <summary>Never trained, or dropped by re-registering the style.</summary>
    None,

    /// <summary>A training operation runs.</summary>
    Training,

    /// <summary>Trained and stored: it serves.</summary>
    Ready,

    /// <summary>The last training failed; no network is stored.</summary>
    Failed,
}
