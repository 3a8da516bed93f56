namespace StyleGrpc.Server.Settings;

/// <summary>
/// Training styles' feed-forward networks (TrainStyleNetwork), <c>StyleGrpc:Training</c>: where the content photos are, the
/// defaults a request that leaves a value at 0 gets, and the most a request may ask for.
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>
    /// Folder of the operator's content photos (JPEG, PNG or WebP, subfolders included) networks train on, relative to the
    /// working directory. Empty (the default): no training; TrainStyleNetwork answers FAILED_PRECONDITION.
    /// </summary>
    public string ContentDirectory { get; set; } = "";

    /// <summary>Training iterations (batches) when a request leaves <c>iterations</c> at 0. Default: the engine's measured default (1,200).</summary>
    public int Iterations { get; set; } = EngineDefaults.Iterations;

    /// <summary>Side of the square training crops, in pixels, when a request leaves <c>image_size</c> at 0. Default: the engine's (256).</summary>
    public int ImageSize { get; set; } = EngineDefaults.ImageSize;

    /// <summary>Photos per batch when a request leaves <c>batch_size</c> at 0. Default: the engine's (4).</summary>
    public int BatchSize { get; set; } = EngineDefaults.BatchSize;

    /// <summary>Most training iterations a request may ask for. Default 20000.</summary>
    public int MaxIterations { get; set; } = 20_000;

    /// <summary>Largest training crop side a request may ask for, in pixels. Default 512.</summary>
    public int MaxImageSize { get; set; } = 512;

    /// <summary>Largest batch a request may ask for. Default 8.</summary>
    public int MaxBatchSize { get; set; } = 8;

    // The defaults are the engine's, chosen by measurement (docs/performance.md); the server does not keep copies.
    private static readonly Engine.FeedForward.FeedForwardTrainingOptions EngineDefaults = new();
}
