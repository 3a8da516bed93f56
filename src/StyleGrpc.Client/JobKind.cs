namespace StyleGrpc.Client;

/// <summary>What a long-running operation does, from the type of its metadata.</summary>
public enum JobKind
{
    /// <summary>A picture (SubmitStylize, StylizeAsync): <see cref="JobOperation.Result"/> once it succeeds.</summary>
    Image,

    /// <summary>A video (<see cref="StyleGrpcClient.SubmitStylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, CancellationToken)"/>): read it with <see cref="StyleGrpcClient.GetVideoJobAsync"/>.</summary>
    Video,

    /// <summary>A feed-forward network's training (<see cref="StyleGrpcClient.TrainStyleNetworkAsync"/>): read it with <see cref="StyleGrpcClient.GetTrainingAsync"/>.</summary>
    Training,
}
