using Google.LongRunning;
using Google.Protobuf;
using Grpc.Core;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>Video domain types to and from the proto contract (SubmitStylizeVideo, StylizeVideoMetadata, VideoResult).</summary>
internal static class VideoProtoConversions
{
    public static P.StylizeVideoRequest ToRequest(ReadOnlyMemory<byte> video, StyleSpec style, StylizeVideoOptions? options)
    {
        var request = ToRequest(style, options);
        request.Video = ByteString.CopyFrom(video.Span);
        return request;
    }

    /// <summary>The request for a video uploaded before (<see cref="StyleGrpcClient.UploadVideoAsync"/>).</summary>
    public static P.StylizeVideoRequest ToRequest(VideoUpload upload, StyleSpec style, StylizeVideoOptions? options)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var request = ToRequest(style, options);
        request.VideoUpload = upload.Name;
        return request;
    }

    /// <summary>A video upload as the client library gives it.</summary>
    public static VideoUpload ToUpload(P.VideoUpload upload) =>
        new(upload.Name, upload.SizeBytes, upload.Sha256, upload.CreateTime.ToDateTimeOffset(), upload.ExpireTime.ToDateTimeOffset());

    // Everything but the video's source.
    private static P.StylizeVideoRequest ToRequest(StyleSpec style, StylizeVideoOptions? options)
    {
        options ??= new StylizeVideoOptions();
        // The per-frame options are a picture's: one mapping of them, ProtoConversions'.
        var frame = new StylizeOptions
        {
            MaxSide = options.MaxSide,
            Iterations = options.IterationsPerFrame,
            Method = options.Method,
            Optimizer = options.Optimizer,
            ContentWeight = options.ContentWeight,
            StyleWeight = options.StyleWeight,
            Seed = options.Seed,
        };
        var request = new P.StylizeVideoRequest
        {
            Options = ProtoConversions.ToProto(frame),
            FrameRange = new P.VideoFrameRange { First = options.FirstFrame, Count = options.FrameCount ?? 0 },
            FrameRate = options.FrameRate ?? 0,
            OutputFormat = options.Format == VideoFormat.WebM ? P.VideoFormat.Webm : P.VideoFormat.Mp4,
            RequestId = options.RequestId ?? "",
            Notification = ProtoConversions.ToNotification(options.NotifyUrl),
        };
        // Options.OutputFormat is a picture's; a frame's format is the server's business.
        request.Options.OutputFormat = P.ImageFormat.Unspecified;
        if (options.TemporalWeight is { } temporal)
        {
            request.TemporalWeight = temporal;
        }
        switch (ProtoConversions.ToStyle(style))
        {
            case string name:
                request.StyleName = name;
                break;
            case ByteString image:
                request.StyleImage = image;
                break;
            case P.StyleBlend blend:
                request.Blend = blend;
                break;
        }
        return request;
    }

    public static VideoCompleted ToCompleted(P.VideoResult r) => new(r.JobId, r.Video.ToByteArray(),
        r.Format == P.VideoFormat.Webm ? VideoFormat.WebM : VideoFormat.Mp4, r.Frames, r.Width, r.Height, r.FrameRate, r.Audio,
        r.Method == P.Method.FeedForward ? StylizeMethod.FeedForward : StylizeMethod.Optimization, r.TemporalWeight,
        ProtoConversions.ToLosses(r.FinalLosses), r.QueueTime?.ToTimeSpan() ?? TimeSpan.Zero, r.RunTime?.ToTimeSpan() ?? TimeSpan.Zero,
        Math.Max(1, r.Reproducibility?.Attempts ?? 1), ProtoConversions.ToDictionary(r.Reproducibility))
    {
        VideoSize = r.VideoSize > 0 ? r.VideoSize : r.Video.Length,
        Chunked = r.Chunked,
    };

    /// <summary>A video operation: its StylizeVideoMetadata as <see cref="VideoJobStatus"/>, its VideoResult as <see cref="VideoCompleted"/>.</summary>
    public static VideoJobOperation ToVideoOperation(Operation operation)
    {
        var m = Metadata(operation);
        var result = operation.ResultCase == Operation.ResultOneofCase.Response && operation.Response.TryUnpack<P.VideoResult>(out var response)
            ? ToCompleted(response)
            : null;
        var status = new VideoJobStatus(m.JobId.Length > 0 ? m.JobId : JobOperation.IdOf(operation.Name), ProtoConversions.ToState(m.State),
            m.QueuePosition, m.FramesDone, m.TotalFrames, m.FramesPerSecond, m.Elapsed?.ToTimeSpan() ?? TimeSpan.Zero, m.Eta?.ToTimeSpan() ?? TimeSpan.Zero,
            m.Attempt, m.ResumedFromFrame, m.CheckpointFrame, m.Replica, m.Width, m.Height, m.CreateTime?.ToDateTimeOffset() ?? default,
            m.StartTime?.ToDateTimeOffset(), m.EndTime?.ToDateTimeOffset(), ProtoConversions.ToNotification(m.Notification));
        return new VideoJobOperation(operation.Name, operation.Done, status, result, Error(operation));
    }

    /// <summary>
    /// A video operation as a <see cref="JobOperation"/> (<see cref="JobKind.Video"/>), for lists and callers that do not know the
    /// kind: frames as iterations, no picture result.
    /// </summary>
    public static JobOperation ToJobOperation(Operation operation)
    {
        var m = Metadata(operation);
        var status = new JobStatus(m.JobId.Length > 0 ? m.JobId : JobOperation.IdOf(operation.Name), ProtoConversions.ToState(m.State), m.QueuePosition,
            m.FramesDone, m.TotalFrames, 1, 1, null, m.Attempt, m.ResumedFromFrame, m.CheckpointFrame, m.Replica,
            m.CreateTime?.ToDateTimeOffset() ?? default, m.StartTime?.ToDateTimeOffset(), m.EndTime?.ToDateTimeOffset(), ProtoConversions.ToNotification(m.Notification));
        return new JobOperation(operation.Name, operation.Done, status, null, Error(operation), JobKind.Video);
    }

    private static P.StylizeVideoMetadata Metadata(Operation operation) =>
        operation.Metadata is not null && operation.Metadata.TryUnpack<P.StylizeVideoMetadata>(out var m) ? m : new P.StylizeVideoMetadata();

    private static StyleGrpcException? Error(Operation operation) => operation.ResultCase == Operation.ResultOneofCase.Error
        ? new StyleGrpcException((StatusCode)operation.Error.Code, operation.Error.Message)
        : null;
}
