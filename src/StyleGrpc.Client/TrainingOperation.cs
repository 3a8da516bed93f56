namespace StyleGrpc.Client;

/// <summary>
/// A style's network training as a long-running operation, named <c>operations/{job_id}</c>. Once <see cref="Done"/>, it has
/// either the trained <see cref="Style"/> (its <see cref="StyleInfo.FeedForward"/> READY) or an <see cref="Error"/>.
/// </summary>
public sealed record TrainingOperation(string Name, bool Done, TrainingStatus Metadata, StyleInfo? Style, StyleGrpcException? Error);
