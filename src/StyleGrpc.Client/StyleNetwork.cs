namespace StyleGrpc.Client;

/// <summary>
/// A style's own feed-forward network (TrainStyleNetwork): its state, <see cref="Version"/> (1 for the first trained network,
/// +1 per training), training iterations and final loss, the loss network it serves on, when it was trained, its stored size
/// in bytes, the training operation, the last training's error and the training crop side in pixels.
/// </summary>
public sealed record StyleNetwork(
    StyleNetworkState State,
    int Version,
    int Iterations,
    double FinalLoss,
    string Network,
    DateTimeOffset? TrainedTime,
    long SizeBytes,
    string OperationName,
    string Error,
    int ImageSize);
