using Google.LongRunning;
using Google.Protobuf;
using Grpc.Core;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>Client domain types to and from the proto contract; proto types never leave this assembly.</summary>
internal static class ProtoConversions
{
    public static StyleInfo ToStyle(P.Style s) => new(s.StyleId, s.DisplayName, s.Width, s.Height, [.. s.Layers], s.ImageSha256,
        s.CreateTime?.ToDateTimeOffset() ?? default, s.SizeBytes, s.StyleSize, s.Preset, s.Network, ToNetwork(s.FeedForward));

    private static StyleNetwork? ToNetwork(P.FeedForwardNetwork? n) => n is null ? null : new StyleNetwork(n.State switch
    {
        P.FeedForwardNetwork.Types.State.Training => StyleNetworkState.Training,
        P.FeedForwardNetwork.Types.State.Ready => StyleNetworkState.Ready,
        P.FeedForwardNetwork.Types.State.Failed => StyleNetworkState.Failed,
        _ => StyleNetworkState.None,
    }, n.Version, n.Iterations, n.FinalLoss, n.Network, n.TrainedTime?.ToDateTimeOffset(), n.SizeBytes, n.OperationName, n.Error, n.ImageSize);

    public static P.TrainStyleNetworkRequest ToRequest(string styleId, TrainStyleNetworkOptions? options)
    {
        options ??= new TrainStyleNetworkOptions();
        var request = new P.TrainStyleNetworkRequest
        {
            Name = styleId,
            Iterations = options.Iterations ?? 0,
            ImageSize = options.ImageSize ?? 0,
            BatchSize = options.BatchSize ?? 0,
            ShiftedLoss = options.ShiftedLoss,
        };
        if (options.StabilityWeight is { } stability)
        {
            request.StabilityWeight = stability;
        }
        if (options.ContentWeight is { } content)
        {
            request.ContentWeight = content;
        }
        if (options.StyleWeight is { } style)
        {
            request.StyleWeight = style;
        }
        request.Notification = ToNotification(options.NotifyUrl);
        return request;
    }

    /// <summary>A training operation: its TrainStyleNetworkMetadata as <see cref="TrainingStatus"/>, its Style as <see cref="StyleInfo"/>, its error as an exception.</summary>
    public static TrainingOperation ToTraining(Operation operation)
    {
        var m = operation.Metadata is not null && operation.Metadata.TryUnpack<P.TrainStyleNetworkMetadata>(out var unpacked) ? unpacked : new P.TrainStyleNetworkMetadata();
        var style = operation.ResultCase == Operation.ResultOneofCase.Response && operation.Response.TryUnpack<P.Style>(out var response)
            ? ToStyle(response)
            : null;
        var error = operation.ResultCase == Operation.ResultOneofCase.Error
            ? new StyleGrpcException((StatusCode)operation.Error.Code, operation.Error.Message)
            : null;
        var status = new TrainingStatus(m.JobId.Length > 0 ? m.JobId : JobOperation.IdOf(operation.Name),
            m.StyleName.StartsWith("styles/", StringComparison.Ordinal) ? m.StyleName["styles/".Length..] : m.StyleName, ToState(m.State), m.QueuePosition,
            m.Iteration, m.TotalIterations, m.Losses is null ? null : ToLosses(m.Losses), m.Elapsed?.ToTimeSpan() ?? TimeSpan.Zero,
            m.Eta?.ToTimeSpan() ?? TimeSpan.Zero, m.Attempt, m.ResumedFromIteration, m.CheckpointIteration, m.Replica,
            m.CreateTime?.ToDateTimeOffset() ?? default, m.StartTime?.ToDateTimeOffset(), m.EndTime?.ToDateTimeOffset(), ToNotification(m.Notification));
        return new TrainingOperation(operation.Name, operation.Done, status, style, error);
    }

    public static P.StylizeRequest ToRequest(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? options)
    {
        var request = new P.StylizeRequest
        {
            ContentImage = ByteString.CopyFrom(content.Span),
            Options = ToProto(options ?? new StylizeOptions()),
            RequestId = options?.RequestId ?? "",
            Notification = ToNotification(options?.NotifyUrl),
        };
        switch (ToStyle(style))
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
        foreach (var region in options?.Regions ?? [])
        {
            var proto = new P.Region { Mask = ByteString.CopyFrom(region.Mask.Span), Weight = region.Weight };
            switch (ToStyle(region.Style))
            {
                case string name:
                    proto.StyleName = name;
                    break;
                case ByteString image:
                    proto.StyleImage = image;
                    break;
                case P.StyleBlend blend:
                    proto.Blend = blend;
                    break;
            }
            request.Regions.Add(proto);
        }
        return request;
    }

    // A style as the value of the request's (or a region's) style oneof: a name, image bytes or a blend.
    internal static object ToStyle(StyleSpec style)
    {
        switch (style)
        {
            case RegisteredStyle r:
                return r.Id;
            case InlineStyleImage i:
                return ByteString.CopyFrom(i.Image.Span);
            case StyleBlendSpec b:
                var blend = new P.StyleBlend();
                blend.Components.AddRange(b.Components.Select(c => new P.StyleBlend.Types.Component { Style = c.Id, Weight = c.Weight }));
                return blend;
            case LayeredStyleBlendSpec l:
                var layered = new P.StyleBlend();
                foreach (var c in l.Components)
                {
                    var component = new P.StyleBlend.Types.Component { Style = c.Id, Weight = c.Weight };
                    component.StyleLayers.AddRange((c.StyleLayers ?? []).Select(x => new P.LayerWeight { Layer = x.Layer, Weight = x.Weight }));
                    layered.Components.Add(component);
                }
                return layered;
            default:
                throw new ArgumentException("unknown style kind", nameof(style));
        }
    }

    internal static P.StylizeOptions ToProto(StylizeOptions o)
    {
        var proto = new P.StylizeOptions
        {
            MaxSide = o.MaxSide ?? 0,
            Iterations = o.Iterations ?? 0,
            Optimizer = o.Optimizer switch
            {
                OptimizerKind.Lbfgs => P.Optimizer.Lbfgs,
                OptimizerKind.Adam => P.Optimizer.Adam,
                OptimizerKind.RmsProp => P.Optimizer.Rmsprop,
                _ => P.Optimizer.Unspecified,
            },
            Preset = o.Preset ?? "",
            Init = o.Init switch
            {
                InitKind.Content => P.Init.Content,
                InitKind.Noise => P.Init.Noise,
                InitKind.Blend => P.Init.Blend,
                InitKind.FeedForward => P.Init.FeedForward,
                _ => P.Init.Unspecified,
            },
            Method = o.Method switch
            {
                StylizeMethod.Optimization => P.Method.Optimization,
                StylizeMethod.FeedForward => P.Method.FeedForward,
                _ => P.Method.Unspecified,
            },
            Seed = o.Seed,
            PreviewEvery = o.PreviewEvery,
            OutputFormat = ToProto(o.Format),
            Quality = o.Quality ?? 0,
            KeepOriginalColors = o.KeepOriginalColors,
            ColorControl = o.ColorControl switch
            {
                ColorControl.None => P.ColorControl.None,
                ColorControl.KeepOriginal => P.ColorControl.KeepOriginal,
                ColorControl.LuminanceOnly => P.ColorControl.LuminanceOnly,
                ColorControl.HistogramMatch => P.ColorControl.HistogramMatch,
                _ => P.ColorControl.Unspecified,
            },
            StyleScale = o.StyleScale ?? 0,
            CoarseIterations = o.CoarseIterations ?? 0,
            TileSize = o.TileSize ?? 0,
        };
        proto.ContentLayers.AddRange((o.ContentLayers ?? []).Select(l => new P.LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        proto.StyleLayers.AddRange((o.StyleLayers ?? []).Select(l => new P.LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        if (o.ScaleLevels is { } levels)
        {
            proto.ScaleLevels = levels;
        }
        if (o.LearningRate is { } lr)
        {
            proto.LearningRate = lr;
        }
        if (o.ContentWeight is { } cw)
        {
            proto.ContentWeight = cw;
        }
        if (o.StyleWeight is { } sw)
        {
            proto.StyleWeight = sw;
        }
        if (o.RelativeTolerance is { } tolerance)
        {
            proto.RelativeTolerance = tolerance;
        }
        if (o.TotalVariationWeight is { } tv)
        {
            proto.TvWeight = tv;
        }
        return proto;
    }

    public static StylizeUpdate? ToUpdate(P.StylizeResponse frame)
    {
        StylizeUpdate? update = frame.FrameCase switch
        {
            P.StylizeResponse.FrameOneofCase.Accepted => new JobAccepted(frame.Accepted.JobId, frame.Accepted.QueuePosition, frame.Accepted.OperationName),
            P.StylizeResponse.FrameOneofCase.Queued => new JobQueued(frame.Queued.QueuePosition),
            P.StylizeResponse.FrameOneofCase.Started => new JobStarted(frame.Started.Width, frame.Started.Height, frame.Started.TotalIterations,
                frame.Started.QueueTime?.ToTimeSpan() ?? TimeSpan.Zero, frame.Started.Network, frame.Started.EstimatedMemoryBytes),
            P.StylizeResponse.FrameOneofCase.Progress => new JobProgress(frame.Progress.Iteration, frame.Progress.TotalIterations,
                ToLosses(frame.Progress.Losses), frame.Progress.Elapsed?.ToTimeSpan() ?? TimeSpan.Zero, frame.Progress.Eta?.ToTimeSpan() ?? TimeSpan.Zero,
                frame.Progress.Preview is null ? null : ToImage(frame.Progress.Preview), frame.Progress.FramesCoalesced, frame.Progress.PreviewsDropped,
                Math.Max(1, frame.Progress.Level), Math.Max(1, frame.Progress.Levels), frame.Progress.LevelSide),
            P.StylizeResponse.FrameOneofCase.Result => ToCompleted(frame.Result),
            P.StylizeResponse.FrameOneofCase.VideoResult => VideoProtoConversions.ToCompleted(frame.VideoResult),
            _ => null,
        };
        return update is null ? null : update with { Sequence = frame.Sequence };
    }

    public static JobCompleted ToCompleted(P.Result result) => new(result.JobId, ToImage(result.Image), result.IterationsRun,
        ToLosses(result.FinalLosses), result.QueueTime?.ToTimeSpan() ?? TimeSpan.Zero, result.RunTime?.ToTimeSpan() ?? TimeSpan.Zero,
        result.TotalTime?.ToTimeSpan() ?? TimeSpan.Zero, ToDictionary(result.Reproducibility), result.FramesCoalesced, result.PreviewsDropped);

    /// <summary>
    /// An operation: its StylizeMetadata as <see cref="JobStatus"/>, its Result as <see cref="JobCompleted"/>, its error as an exception;
    /// a video job's metadata as frames (<see cref="VideoProtoConversions.ToJobOperation"/>).
    /// </summary>
    public static JobOperation ToOperation(Operation operation)
    {
        if (operation.Metadata is not null && operation.Metadata.Is(P.StylizeVideoMetadata.Descriptor))
        {
            return VideoProtoConversions.ToJobOperation(operation);
        }
        var metadata = operation.Metadata is not null && operation.Metadata.TryUnpack<P.StylizeMetadata>(out var unpacked) ? unpacked : new P.StylizeMetadata();
        var result = operation.ResultCase == Operation.ResultOneofCase.Response && operation.Response.TryUnpack<P.Result>(out var response)
            ? ToCompleted(response)
            : null;
        var error = operation.ResultCase == Operation.ResultOneofCase.Error
            ? new StyleGrpcException((StatusCode)operation.Error.Code, operation.Error.Message)
            : null;
        var status = ToStatus(metadata);
        if (status.JobId.Length == 0 && operation.Name.StartsWith(JobOperation.NamePrefix, StringComparison.Ordinal))
        {
            status = status with { JobId = operation.Name[JobOperation.NamePrefix.Length..] };
        }
        var kind = operation.Metadata is not null && operation.Metadata.Is(P.TrainStyleNetworkMetadata.Descriptor) ? JobKind.Training : JobKind.Image;
        return new JobOperation(operation.Name, operation.Done, status, result, error, kind);
    }

    internal static JobState ToState(P.StylizeMetadata.Types.State state) => state switch
    {
        P.StylizeMetadata.Types.State.Queued => JobState.Queued,
        P.StylizeMetadata.Types.State.Running => JobState.Running,
        P.StylizeMetadata.Types.State.Succeeded => JobState.Succeeded,
        P.StylizeMetadata.Types.State.Failed => JobState.Failed,
        P.StylizeMetadata.Types.State.Cancelled => JobState.Cancelled,
        _ => JobState.Unspecified,
    };

    private static JobStatus ToStatus(P.StylizeMetadata m) => new(m.JobId, ToState(m.State), m.QueuePosition, m.Iteration, m.TotalIterations, m.Level, m.Levels, m.Losses is null ? null : ToLosses(m.Losses), m.Attempt,
        m.ResumedFromIteration, m.CheckpointIteration, m.Replica, m.CreateTime?.ToDateTimeOffset() ?? default, m.StartTime?.ToDateTimeOffset(),
        m.EndTime?.ToDateTimeOffset(), ToNotification(m.Notification));

    // Unset (null or empty) = no notification field: the server applies the caller's default, if any.
    internal static P.Notification? ToNotification(string? url) => string.IsNullOrEmpty(url) ? null : new P.Notification { Url = url };

    // The delivery of a completion webhook; null when the operation has none.
    internal static NotificationStatus? ToNotification(P.NotificationStatus? n) => n is null ? null : new NotificationStatus(n.Url, n.State switch
    {
        P.NotificationStatus.Types.State.Pending => NotificationState.Pending,
        P.NotificationStatus.Types.State.Delivered => NotificationState.Delivered,
        P.NotificationStatus.Types.State.Failed => NotificationState.Failed,
        _ => NotificationState.Unspecified,
    }, n.Attempts, n.LastError, n.DeliveredTime?.ToDateTimeOffset(), n.NextAttemptTime?.ToDateTimeOffset());

    public static ServerDetails ToDetails(P.ServerInfo i) => new(i.Version, i.Device, i.Network?.Precision ?? "", i.Network?.Name ?? "", i.Network?.Description ?? "",
        i.Network?.OfflineDefault ?? false, [.. i.Network?.Presets ?? []], i.Limits?.MaxRequestBytes ?? 0, i.Limits?.MaxPixels ?? 0,
        i.Limits?.MaxSide ?? 0, i.Limits?.MaxIterations ?? 0, i.Limits?.QueueCapacity ?? 0, i.Limits?.ConcurrentJobs ?? 0,
        i.QueuedJobs, i.RunningJobs, i.Styles, i.QuarantinedStyles, i.Limits?.MemoryBudgetBytes ?? 0, i.Limits?.MaxRunSeconds ?? 0,
        i.Limits?.StallTimeoutSeconds ?? 0, i.Draining, i.FeedForwardAvailable, i.TrainingPhotos, i.CallerRole,
        i.Limits?.Video is { } v ? new ServerVideoLimits(v.Available, v.MaxBytes, v.MaxDurationSeconds, v.MaxFrames, v.MaxPixelsPerFrame, v.MaxFrameRate, v.MaxSide)
        {
            InlineResultBytes = v.InlineResultBytes,
            UploadRetentionSeconds = v.UploadRetentionSeconds,
        } : null);

    internal static LossValues ToLosses(P.Losses? l) => l is null ? new LossValues(0, 0, 0, 0) : new LossValues(l.Content, l.Style, l.TotalVariation, l.Total);

    internal static EncodedImage ToImage(P.EncodedImage image) => new(image.Data.ToByteArray(), image.Format switch
    {
        P.ImageFormat.Jpeg => OutputFormat.Jpeg,
        P.ImageFormat.Webp => OutputFormat.Webp,
        _ => OutputFormat.Png,
    }, image.Width, image.Height);

    private static P.ImageFormat ToProto(OutputFormat format) => format switch
    {
        OutputFormat.Jpeg => P.ImageFormat.Jpeg,
        OutputFormat.Webp => P.ImageFormat.Webp,
        _ => P.ImageFormat.Png,
    };

    // The record as field name → value, so callers can log or store it without proto types.
    internal static IReadOnlyDictionary<string, string> ToDictionary(P.Reproducibility? record)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (record is null)
        {
            return result;
        }
        foreach (var field in P.Reproducibility.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(record);
            result[field.JsonName] = value switch
            {
                System.Collections.IEnumerable list and not string => string.Join(",", list.Cast<object>().Select(item =>
                    item is P.LayerWeight lw ? $"{lw.Layer}={lw.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : item?.ToString())),
                double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
        }
        return result;
    }
}
