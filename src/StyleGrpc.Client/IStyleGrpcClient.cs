namespace StyleGrpc.Client;

/// <summary>
/// What <see cref="StyleGrpcClient"/> offers, as an interface: depend on it in your own code so your tests can substitute
/// the service (a fake, or a mocking library's). Each member behaves as the <see cref="StyleGrpcClient"/> member of the
/// same name, which documents it.
/// </summary>
public interface IStyleGrpcClient : IDisposable
{
    Task<StyleInfo> RegisterStyleAsync(string id, ReadOnlyMemory<byte> image, RegisterStyleOptions? registration = null, CancellationToken cancellationToken = default);

    Task<StyleInfo> RegisterStyleAsync(string id, string imagePath, RegisterStyleOptions? registration = null, CancellationToken cancellationToken = default);

    Task<StyleInfo> RegisterStyleAsync(string id, Stream image, RegisterStyleOptions? registration = null, CancellationToken cancellationToken = default);

    Task<StyleInfo> GetStyleAsync(string id, CancellationToken cancellationToken = default);

    Task<StylePage> ListStylesAsync(int pageSize = 0, string? pageToken = null, CancellationToken cancellationToken = default);

    IAsyncEnumerable<StyleInfo> ListAllStylesAsync(CancellationToken cancellationToken = default);

    Task DeleteStyleAsync(string id, CancellationToken cancellationToken = default);

    Task<ServerDetails> GetServerInfoAsync(CancellationToken cancellationToken = default);

    Task<bool> IsServingAsync(CancellationToken cancellationToken = default);

    IAsyncEnumerable<StylizeUpdate> StylizeAsync(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? stylizeOptions = null, DateTime? deadline = null,
        CancellationToken cancellationToken = default);

    Task<JobCompleted> StylizeToFileAsync(string contentPath, StyleSpec style, string outputPath, StylizeOptions? stylizeOptions = null,
        IProgress<StylizeUpdate>? progress = null, CancellationToken cancellationToken = default);

    Task<JobCompleted> StylizeToStreamAsync(ReadOnlyMemory<byte> content, StyleSpec style, Stream output, StylizeOptions? stylizeOptions = null,
        IProgress<StylizeUpdate>? progress = null, CancellationToken cancellationToken = default);

    Task<JobOperation> SubmitStylizeAsync(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? stylizeOptions = null, CancellationToken cancellationToken = default);

    IAsyncEnumerable<StylizeUpdate> WatchStylizeAsync(string name, long afterSequence = 0, CancellationToken cancellationToken = default);

    Task<JobOperation> GetOperationAsync(string name, CancellationToken cancellationToken = default);

    Task<JobOperation> WaitOperationAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default);

    Task CancelOperationAsync(string name, CancellationToken cancellationToken = default);

    Task DeleteOperationAsync(string name, CancellationToken cancellationToken = default);

    Task<JobOperationPage> ListOperationsAsync(int pageSize = 0, string? pageToken = null, CancellationToken cancellationToken = default);

    IAsyncEnumerable<JobOperation> ListAllOperationsAsync(CancellationToken cancellationToken = default);

    Task<VideoJobOperation> SubmitStylizeVideoAsync(ReadOnlyMemory<byte> video, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        CancellationToken cancellationToken = default);

    Task<VideoCompleted> StylizeVideoAsync(ReadOnlyMemory<byte> video, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        IProgress<VideoProgress>? progress = null, DateTime? deadline = null, CancellationToken cancellationToken = default);

    Task<VideoUpload> UploadVideoAsync(Stream source, CancellationToken cancellationToken = default);

    Task<VideoJobOperation> SubmitStylizeVideoAsync(VideoUpload upload, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        CancellationToken cancellationToken = default);

    Task<VideoCompleted> StylizeVideoAsync(VideoUpload upload, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        IProgress<VideoProgress>? progress = null, DateTime? deadline = null, CancellationToken cancellationToken = default);

    Task<VideoJobOperation> GetVideoJobAsync(string name, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="StyleGrpcClient.ReadVideoResultAsync"/>
    Task<long> ReadVideoResultAsync(string name, Stream destination, CancellationToken cancellationToken = default);

    Task<TrainingOperation> TrainStyleNetworkAsync(string styleId, TrainStyleNetworkOptions? training = null, CancellationToken cancellationToken = default);

    Task<TrainingOperation> GetTrainingAsync(string name, CancellationToken cancellationToken = default);

    IAsyncEnumerable<TrainingOperation> WatchTrainingAsync(string name, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default);
}
