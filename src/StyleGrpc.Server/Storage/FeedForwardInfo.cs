namespace StyleGrpc.Server.Storage;

/// <summary>
/// A style's feed-forward network as its record describes it (the weights are stored beside the style, checked against
/// <see cref="WeightsSha256"/> when read). Re-registering the style drops it.
/// </summary>
public sealed record FeedForwardInfo
{
    public FeedForwardState State { get; init; }

    /// <summary>Increases with every network trained for this style (1 for the first); kept through a failed training.</summary>
    public int Version { get; init; }

    /// <summary>Training iterations the network had.</summary>
    public int Iterations { get; init; }

    /// <summary>Its final training loss (weighted total).</summary>
    public double FinalLoss { get; init; }

    /// <summary>The loss network it was trained with (<see cref="Engine.Networks.NetworkInfo.Fingerprint"/>): it serves only where that network serves.</summary>
    public string Network { get; init; } = "";

    public DateTimeOffset? TrainedTime { get; init; }

    /// <summary>Bytes of the stored weights; 0 when none are stored.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Lower-case hex SHA-256 of the stored weights.</summary>
    public string WeightsSha256 { get; init; } = "";

    /// <summary>The training operation: the running one while training, else the last one.</summary>
    public string OperationName { get; init; } = "";

    /// <summary>Why the last training failed (<see cref="FeedForwardState.Failed"/> only).</summary>
    public string Error { get; init; } = "";

    /// <summary>Training crop side, in pixels.</summary>
    public int ImageSize { get; init; }
}
