namespace StyleGrpc.Client;

/// <summary>Where a style's feed-forward network is.</summary>
public enum StyleNetworkState
{
    /// <summary>Never trained, or dropped by re-registering the style.</summary>
    None,

    /// <summary>A training operation runs.</summary>
    Training,

    /// <summary>Trained: the style is instant.</summary>
    Ready,

    /// <summary>The last training failed (<see cref="StyleNetwork.Error"/>).</summary>
    Failed,
}
