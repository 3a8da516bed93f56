using Google.LongRunning;
using Google.Protobuf;
using Grpc.Core;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>Videos (docs/video.md): one long-running job per video, stylised frame by frame with temporal consistency.</summary>
public sealed partial class StyleGrpcClient
{
    /// <summary>
    /// Submits a video to stylise and returns its operation as soon as the server has checked and stored the job. The video
    /// (MP4, WebM, MKV, MOV…) must be within the server's video limits (<see cref="ServerDetails.Video"/>); a broken file or one that
    /// is no video is INVALID_ARGUMENT naming <c>video</c>, a range or rate out of bounds names <c>frame_range</c> or
    /// <c>frame_rate</c>; FAILED_PRECONDITION when the server has no ffmpeg. Retried as <see cref="SubmitStylizeAsync"/> is, as one
    /// request (<see cref="StylizeVideoOptions.RequestId"/>). Follow it with <see cref="WatchStylizeAsync"/> (it ends with a
    /// <see cref="VideoCompleted"/>) or <see cref="GetVideoJobAsync"/>; nothing cancels it but <see cref="CancelOperationAsync"/>.
    /// </summary>
    /// <param name="video">The encoded video file.</param>
    /// <param name="style">The style, as for a picture.</param>
    /// <param name="videoOptions">Per-frame options, frame range, rate and format; null = the server's defaults.</param>
    /// <param name="cancellationToken">Gives up waiting for the answer (a job the server admitted may still run: see <see cref="StylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, IProgress{VideoProgress}?, DateTime?, CancellationToken)"/>).</param>
    public async Task<VideoJobOperation> SubmitStylizeVideoAsync(ReadOnlyMemory<byte> video, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        CancellationToken cancellationToken = default) =>
        VideoProtoConversions.ToVideoOperation(await SubmitVideoAsync(VideoProtoConversions.ToRequest(video, style, videoOptions), null, cancellationToken)
            .ConfigureAwait(false));

    /// <summary>
    /// Stylises a video and returns it: submits the job (<see cref="SubmitStylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, CancellationToken)"/>), follows it (re-attaching a lost watch,
    /// <see cref="StyleGrpcClientOptions.ReattachOnDisconnect"/>) and reports its progress to <paramref name="progress"/>: once when
    /// accepted, when queued or started, and after every stylised frame with that frame as <see cref="VideoProgress.Preview"/>.
    /// Cancelling the token or passing <paramref name="deadline"/> cancels the job on the server (best effort) and ends with CANCELLED
    /// or DEADLINE_EXCEEDED as <see cref="StyleGrpcException"/>; a job that fails ends with its status.
    /// </summary>
    /// <param name="video">The encoded video file.</param>
    /// <param name="style">The style, as for a picture.</param>
    /// <param name="videoOptions">Per-frame options, frame range, rate and format; null = the server's defaults.</param>
    /// <param name="progress">Where progress goes; null = nowhere.</param>
    /// <param name="deadline">When to give up (UTC); null = never.</param>
    /// <param name="cancellationToken">Cancels the job.</param>
    public Task<VideoCompleted> StylizeVideoAsync(ReadOnlyMemory<byte> video, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        IProgress<VideoProgress>? progress = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        StylizeVideoAsync(VideoProtoConversions.ToRequest(video, style, videoOptions), progress, deadline, cancellationToken);

    /// <summary>
    /// Sends a video file to the server in pieces of 64 KiB (one client-streaming UploadVideo call), for a file larger than one
    /// message may be (<see cref="ServerDetails.MaxRequestBytes"/>), up to <see cref="ServerVideoLimits.MaxBytes"/>. Jobs name
    /// it with <see cref="SubmitStylizeVideoAsync(VideoUpload, StyleSpec, StylizeVideoOptions?, CancellationToken)"/> or
    /// <see cref="StylizeVideoAsync(VideoUpload, StyleSpec, StylizeVideoOptions?, IProgress{VideoProgress}?, DateTime?, CancellationToken)"/>
    /// until <see cref="VideoUpload.ExpireTime"/>; only this caller sees it. INVALID_ARGUMENT naming <c>data</c> for an empty
    /// file or one over the limit. Not retried: a call cut off part way keeps nothing; call again.
    /// </summary>
    /// <param name="source">The file's bytes, read to its end.</param>
    /// <param name="cancellationToken">Cancels the upload (nothing of it is kept).</param>
    public async Task<VideoUpload> UploadVideoAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            using var call = client.UploadVideo(cancellationToken: cancellationToken);
            var buffer = new byte[UploadPieceBytes];
            try
            {
                int read;
                while ((read = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await call.RequestStream.WriteAsync(new P.UploadVideoRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken)
                        .ConfigureAwait(false);
                }
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The server ended the call before the last piece (it refused the upload): its status, below, says why.
            }
            return VideoProtoConversions.ToUpload(await call.ResponseAsync.ConfigureAwait(false));
        }
        catch (RpcException ex)
        {
            throw StyleGrpcException.From(ex);
        }
    }

    /// <summary>As <see cref="SubmitStylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, CancellationToken)"/>, for a video uploaded before (<see cref="UploadVideoAsync"/>); NOT_FOUND naming <c>video_upload</c> when it has expired.</summary>
    /// <param name="upload">The upload.</param>
    /// <param name="style">The style, as for a picture.</param>
    /// <param name="videoOptions">Per-frame options, frame range, rate and format; null = the server's defaults.</param>
    /// <param name="cancellationToken">Gives up waiting for the answer.</param>
    public async Task<VideoJobOperation> SubmitStylizeVideoAsync(VideoUpload upload, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        CancellationToken cancellationToken = default) =>
        VideoProtoConversions.ToVideoOperation(await SubmitVideoAsync(VideoProtoConversions.ToRequest(upload, style, videoOptions), null, cancellationToken)
            .ConfigureAwait(false));

    /// <summary>As <see cref="StylizeVideoAsync(ReadOnlyMemory{byte}, StyleSpec, StylizeVideoOptions?, IProgress{VideoProgress}?, DateTime?, CancellationToken)"/>, for a video uploaded before (<see cref="UploadVideoAsync"/>).</summary>
    /// <param name="upload">The upload.</param>
    /// <param name="style">The style, as for a picture.</param>
    /// <param name="videoOptions">Per-frame options, frame range, rate and format; null = the server's defaults.</param>
    /// <param name="progress">Where progress goes; null = nowhere.</param>
    /// <param name="deadline">When to give up (UTC); null = never.</param>
    /// <param name="cancellationToken">Cancels the job.</param>
    public Task<VideoCompleted> StylizeVideoAsync(VideoUpload upload, StyleSpec style, StylizeVideoOptions? videoOptions = null,
        IProgress<VideoProgress>? progress = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        StylizeVideoAsync(VideoProtoConversions.ToRequest(upload, style, videoOptions), progress, deadline, cancellationToken);

    // The size of UploadVideoAsync's pieces: inside the message limit of any server that takes pictures at all (its default
    // is 32 MiB); HTTP/2 cuts messages into 16 KiB frames whatever their size.
    private const int UploadPieceBytes = 64 * 1024;

    private async Task<VideoCompleted> StylizeVideoAsync(P.StylizeVideoRequest request, IProgress<VideoProgress>? progress, DateTime? deadline,
        CancellationToken cancellationToken)
    {
        var submitted = await SubmitVideoAsync(request, deadline, cancellationToken).ConfigureAwait(false);
        var tracker = new VideoProgressTracker(submitted.Name);
        await foreach (var update in FollowSubmittedAsync(submitted.Name, deadline, cancellationToken).ConfigureAwait(false))
        {
            if (update is VideoCompleted completed)
            {
                return completed;
            }
            if (tracker.Next(update) is { } report)
            {
                progress?.Report(report);
            }
        }
        throw new StyleGrpcException(StatusCode.Internal, "the server closed the stream without a video result");
    }

    /// <summary>
    /// The video job as it is now; NOT_FOUND when it is unknown, another key's, or deleted. An operation that is not a video job
    /// (<see cref="JobOperation.Kind"/>) is FAILED_PRECONDITION: read it with <see cref="GetOperationAsync"/>.
    /// </summary>
    /// <param name="name">The operation, <c>operations/{job_id}</c>, or the bare job ID.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<VideoJobOperation> GetVideoJobAsync(string name, CancellationToken cancellationToken = default)
    {
        var operation = await Unary(async (deadline, ct) => await operations.GetOperationAsync(
            new GetOperationRequest { Name = JobOperation.NameOf(name) }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        if (operation.Metadata is null || !operation.Metadata.Is(P.StylizeVideoMetadata.Descriptor))
        {
            throw new StyleGrpcException(StatusCode.FailedPrecondition, $"{operation.Name} is not a video job");
        }
        return VideoProtoConversions.ToVideoOperation(operation);
    }

    /// <summary>
    /// Writes the finished video of a video job to <paramref name="destination"/>, a chunk at a time (neither side holds it whole):
    /// the way to fetch a result the server did not send inline (<see cref="VideoCompleted.Chunked"/>), and any other too.
    /// NOT_FOUND when the operation is unknown or another key's; FAILED_PRECONDITION while it runs, when it failed, or when it is
    /// not a video job. A call cut off part way is not resumed: write to a fresh stream and call again.
    /// </summary>
    /// <param name="name">The operation, <c>operations/{job_id}</c>, or the bare job ID.</param>
    /// <param name="destination">Where the file's bytes go, in order.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The bytes written: the video's size.</returns>
    public async Task<long> ReadVideoResultAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var call = client.ReadVideoResult(new P.ReadVideoResultRequest { Name = JobOperation.NameOf(name) }, cancellationToken: cancellationToken);
            long written = 0;
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (chunk.Offset != written)
                {
                    throw new StyleGrpcException(StatusCode.DataLoss, $"chunk at byte {chunk.Offset} arrived where byte {written} was expected");
                }
                await destination.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                written += chunk.Data.Length;
            }
            return written;
        }
        catch (RpcException ex)
        {
            throw StyleGrpcException.From(ex);
        }
    }

    // SubmitStylizeVideo with SubmitStylize's retries; one request ID for every attempt (AIP-155).
    private Task<Operation> SubmitVideoAsync(P.StylizeVideoRequest request, DateTime? deadline, CancellationToken cancellationToken)
    {
        if (request.RequestId.Length == 0)
        {
            request.RequestId = Guid.NewGuid().ToString();
        }
        return SubmitWithRetriesAsync(attemptDeadline => client.SubmitStylizeVideoAsync(request, deadline: attemptDeadline,
            cancellationToken: CancellationToken.None).ResponseAsync, deadline, cancellationToken);
    }
}
