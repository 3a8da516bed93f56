using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs.Events;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;
using StyleGrpc.Server.Styles;
using ImageFormat = StyleGrpc.Engine.Imaging.ImageFormat;

namespace StyleGrpc.Server.Services;

/// <summary>Engine and registry types to proto messages.</summary>
public static class ResponseMapper
{
    /// <summary>A stored upload as UploadVideo answers it.</summary>
    public static VideoUpload ToProto(Uploads.VideoUploadRecord record) => new()
    {
        Name = Uploads.UploadNames.Of(record.Id),
        SizeBytes = record.SizeBytes,
        Sha256 = record.Sha256,
        CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
        ExpireTime = Timestamp.FromDateTimeOffset(record.ExpireTime),
    };

    public static Style ToProto(StyleRecord record)
    {
        var primary = record.Targets.FirstOrDefault(t => t.Preset == record.Preset) ?? record.Targets.FirstOrDefault();
        var style = new Style
        {
            Name = StyleId.ToName(record.Id),
            StyleId = record.Id,
            DisplayName = record.DisplayName,
            Width = record.Width,
            Height = record.Height,
            ImageSha256 = record.ImageSha256,
            CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
            SizeBytes = record.SizeBytes,
            StyleSize = record.StyleSize,
            Preset = record.Preset,
            Network = primary?.Network ?? "",
        };
        style.Layers.AddRange(primary?.Layers ?? []);
        style.FeedForward = ToProto(record.FeedForward);
        return style;
    }

    private static FeedForwardNetwork ToProto(FeedForwardInfo? info)
    {
        if (info is null)
        {
            return new FeedForwardNetwork { State = FeedForwardNetwork.Types.State.None };
        }
        var network = new FeedForwardNetwork
        {
            State = ProtoEnums.ToProto(info.State),
            Version = info.Version,
            Iterations = info.Iterations,
            FinalLoss = info.FinalLoss,
            Network = info.Network,
            SizeBytes = info.SizeBytes,
            OperationName = info.OperationName,
            Error = info.Error,
            ImageSize = info.ImageSize,
        };
        if (info.TrainedTime is { } trained)
        {
            network.TrainedTime = Timestamp.FromDateTimeOffset(trained);
        }
        return network;
    }

    /// <summary>An image as an HTTP body (the stored bytes, their type sniffed from the header).</summary>
    public static Google.Api.HttpBody ToHttpBody(byte[] image) => new()
    {
        ContentType = ImageCodec.MediaType(image),
        Data = ByteString.CopyFrom(image),
    };

    /// <summary>A thumbnail: the image scaled to fit <paramref name="maxSide"/> (never up), encoded as <paramref name="format"/>.</summary>
    public static Google.Api.HttpBody ToHttpBody(byte[] image, int maxSide, ImageFormat format, long maxPixels)
    {
        var decoded = ImageCodec.Decode(image, maxPixels);
        var (width, height) = ImageCodec.FitWithin(decoded.Width, decoded.Height, maxSide);
        var encoded = ImageCodec.Encode(ImageCodec.Resize(decoded, width, height), format, 85);
        return new Google.Api.HttpBody { ContentType = ImageCodec.MediaType(format), Data = ByteString.CopyFrom(encoded) };
    }

    public static EncodedImage Encode(RgbImage image, ImageFormat format, int quality) => new()
    {
        Data = ByteString.CopyFrom(ImageCodec.Encode(image, format, quality)),
        Format = ProtoEnums.ToProto(format),
        Width = image.Width,
        Height = image.Height,
    };

    /// <summary>A job event as a stream frame; previews and the result are encoded here, so coalesced ones never are.</summary>
    public static StylizeResponse ToFrame(JobEvent item, ImageFormat format, int quality)
    {
        var frame = Frame(item, format, quality);
        frame.Sequence = item.Sequence;
        return frame;
    }

    private static StylizeResponse Frame(JobEvent item, ImageFormat format, int quality) => item switch
    {
        JobAccepted a => new StylizeResponse
        {
            Accepted = new Accepted { JobId = a.JobId, QueuePosition = a.QueuePosition, OperationName = OperationNames.Of(a.JobId) },
        },
        JobQueued q => new StylizeResponse { Queued = new Queued { QueuePosition = q.QueuePosition } },
        JobStarted s => new StylizeResponse
        {
            Started = new Started
            {
                Width = s.Width,
                Height = s.Height,
                TotalIterations = s.TotalIterations,
                QueueTime = Duration.FromTimeSpan(s.QueueTime),
                Network = s.Network,
                EstimatedMemoryBytes = s.EstimatedMemoryBytes,
            },
        },
        JobProgressed p => new StylizeResponse { Progress = ToProto(p, format, quality) },
        JobFinished f => new StylizeResponse { Result = ToProto(f, format, quality) },
        VideoFinished v => new StylizeResponse { VideoResult = ToProto(v) },
        _ => throw new ArgumentOutOfRangeException(nameof(item), item.GetType().Name, "unknown job event"),
    };

    /// <param name="limits">The server's settings.</param>
    /// <param name="memoryBudget">The memory budget, in bytes.</param>
    /// <param name="network">The serving network; null while it loads.</param>
    /// <param name="queued">Jobs waiting here.</param>
    /// <param name="running">Jobs running here.</param>
    /// <param name="styles">Registered styles.</param>
    /// <param name="quarantined">Damaged styles moved aside since start.</param>
    /// <param name="draining">True while the server drains.</param>
    /// <param name="trainingPhotos">Photos a training would find now.</param>
    /// <param name="callerRole">The role of the caller's key.</param>
    /// <param name="video">The limits videos are checked against.</param>
    /// <param name="videoAvailable">True when ffmpeg runs here.</param>
    public static ServerInfo ToServerInfo(StyleGrpcServerOptions limits, long memoryBudget, IFeatureNetwork? network, int queued, int running,
        int styles, int quarantined, bool draining, int trainingPhotos, string callerRole, Video.Media.VideoLimits video, bool videoAvailable)
    {
        var info = new ServerInfo
        {
            Version = StyleTransferEngine.Version,
            Limits = new Limits
            {
                MaxRequestBytes = limits.MaxRequestBytes,
                MaxPixels = limits.MaxPixels,
                MaxSide = limits.MaxSide,
                MaxIterations = limits.MaxIterations,
                MaxPreviews = limits.MaxPreviews,
                QueueCapacity = limits.QueueCapacity,
                ConcurrentJobs = limits.ConcurrentJobs,
                MaxRunSeconds = limits.MaxRunSeconds,
                StallTimeoutSeconds = limits.StallTimeoutSeconds,
                MemoryBudgetBytes = memoryBudget,
                MaxJobsPerKey = limits.MaxJobsPerKey,
                StylizePerMinutePerKey = limits.StylizePerMinutePerKey,
                RegisterPerMinutePerKey = limits.RegisterPerMinutePerKey,
                BufferedPreviews = limits.BufferedPreviews,
                MaxProgressFramesPerSecond = limits.MaxProgressFramesPerSecond,
                TileAbove = limits.TileAbove,
                TileSize = limits.TileSize,
                CoarseToFineFrom = limits.CoarseToFineFrom,
                StyleIdPattern = StyleId.PatternText,
                StyleIdMaxLength = StyleId.MaxLength,
                OutputSides = { OutputSides(limits.MaxSide) },
                MaxRegions = limits.MaxRegions,
                MaxTrainingIterations = limits.Training.MaxIterations,
                MaxTrainingImageSize = limits.Training.MaxImageSize,
                MaxTrainingBatchSize = limits.Training.MaxBatchSize,
                Video = new Protos.V1.VideoLimits
                {
                    Available = videoAvailable,
                    MaxBytes = video.MaxBytes,
                    MaxDurationSeconds = video.MaxDurationSeconds,
                    MaxFrames = video.MaxFrames,
                    MaxPixelsPerFrame = video.MaxPixelsPerFrame,
                    ToolTimeoutSeconds = video.ToolTimeoutSeconds,
                    MaxFrameRate = video.MaxFramesPerSecond,
                    MaxSide = video.MaxSide,
                    InlineResultBytes = limits.Video.InlineResultBytes,
                    UploadRetentionSeconds = limits.Video.UploadRetentionSeconds,
                },
            },
            // As the contract defines it: the network is loaded (it serves READY styles) and there are photos to train on.
            FeedForwardAvailable = network is not null && trainingPhotos > 0,
            TrainingPhotos = trainingPhotos,
            QueuedJobs = queued,
            RunningJobs = running,
            Styles = styles,
            QuarantinedStyles = quarantined,
            Draining = draining,
            CallerRole = callerRole,
            WebhooksEnabled = limits.Webhooks.Enabled,
            WebhookRetryHours = limits.Webhooks.RetryHours,
        };
        if (network is not null)
        {
            info.Device = network.Device.type.ToString().ToLowerInvariant();
            info.Network = new Protos.V1.NetworkInfo
            {
                Name = network.Info.Name,
                Description = network.Info.Description,
                WeightsSha256 = network.Info.WeightsSha256,
                OfflineDefault = network.Info.IsOfflineDefault,
                Precision = ProtoEnums.ToProto(network.Info.Precision),
            };
            info.Network.Layers.AddRange(network.LayerNames);
            info.Network.Presets.AddRange(network.Presets.Select(p => p.Name));
        }
        return info;
    }

    private static Progress ToProto(JobProgressed item, ImageFormat format, int quality)
    {
        var progress = ToProto(item.Progress, format, quality);
        progress.FramesCoalesced = item.FramesCoalesced;
        progress.PreviewsDropped = item.PreviewsDropped;
        return progress;
    }

    private static Result ToProto(JobFinished item, ImageFormat format, int quality)
    {
        var result = ToProto(item.JobId, item.Result, format, quality, item.QueueTime, item.TotalTime);
        result.FramesCoalesced = item.FramesCoalesced;
        result.PreviewsDropped = item.PreviewsDropped;
        result.Reproducibility.Attempts = item.Attempt;
        result.Reproducibility.Method = ProtoEnums.ToProto(item.Method);
        result.Reproducibility.FeedForwardVersion = item.FeedForwardVersion;
        return result;
    }

    private static VideoResult ToProto(VideoFinished item)
    {
        var reproducibility = ToProto(item.LastFrame.Record);
        reproducibility.Attempts = item.Attempt;
        reproducibility.Method = ProtoEnums.ToProto(item.Method);
        return new VideoResult
        {
            JobId = item.JobId,
            // The result is held once: the frame wraps the job's bytes (nothing writes to them after the job ended); a chunked
            // one is not here at all (ReadVideoResult).
            Video = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(item.Video),
            VideoSize = item.VideoSize,
            Chunked = item.Chunked,
            Format = ProtoEnums.ToProto(item.Format),
            Frames = item.Frames,
            Width = item.Size.Width,
            Height = item.Size.Height,
            FrameRate = item.FramesPerSecond,
            Audio = item.Audio,
            Method = ProtoEnums.ToProto(item.Method),
            TemporalWeight = item.TemporalWeight,
            FinalLosses = item.Method == Jobs.StylizeMethod.FeedForward ? null : Losses(item.LastFrame.Final),
            QueueTime = Duration.FromTimeSpan(item.QueueTime),
            RunTime = Duration.FromTimeSpan(item.RunTime),
            Reproducibility = reproducibility,
        };
    }

    public static Progress ToProto(StyleTransferProgress p, ImageFormat format, int quality) => new()
    {
        Iteration = p.Iteration,
        TotalIterations = p.TotalIterations,
        Losses = Losses(p),
        Elapsed = Duration.FromTimeSpan(p.Elapsed),
        Eta = Duration.FromTimeSpan(p.EstimatedRemaining),
        Preview = p.Preview is null ? null : Encode(p.Preview, format, quality),
        Level = p.Scale,
        Levels = p.Scales,
        LevelSide = p.Side,
    };

    public static Result ToProto(string jobId, StyleTransferResult result, ImageFormat format, int quality, TimeSpan queueTime, TimeSpan totalTime)
    {
        var image = Encode(result.Image, format, quality);
        return new Result
        {
            JobId = jobId,
            Image = image,
            SizeBytes = image.Data.Length,
            IterationsRun = result.IterationsRun,
            FinalLosses = Losses(result.Final),
            QueueTime = Duration.FromTimeSpan(queueTime),
            RunTime = Duration.FromTimeSpan(result.Elapsed),
            TotalTime = Duration.FromTimeSpan(totalTime),
            Reproducibility = ToProto(result.Record),
        };
    }

    public static Reproducibility ToProto(ReproducibilityRecord r)
    {
        var proto = new Reproducibility
        {
            EngineVersion = r.EngineVersion,
            Network = r.Network.Name,
            NetworkDescription = r.Network.Description,
            WeightsSha256 = r.Network.WeightsSha256,
            OfflineDefault = r.Network.IsOfflineDefault,
            Device = r.Device,
            Preset = r.Preset,
            ContentWeight = r.ContentWeight,
            StyleWeight = r.StyleWeight,
            StyleWeightAutomatic = r.StyleWeightAutomatic,
            TvWeight = r.TotalVariationWeight,
            Optimizer = ProtoEnums.ToProto(r.Optimizer),
            LearningRate = r.LearningRate,
            Iterations = r.Iterations,
            Init = ProtoEnums.ToProto(r.Init),
            InitNoiseRatio = r.InitNoiseRatio,
            Seed = r.Seed,
            StyleWidth = r.StyleWidth,
            StyleHeight = r.StyleHeight,
            KeepOriginalColors = r.KeepOriginalColours,
            RelativeTolerance = r.RelativeTolerance,
            Threads = r.Threads,
            ScaleLevels = r.ScaleLevels,
            CoarseIterations = r.CoarseIterations,
            Precision = ProtoEnums.ToProto(r.Network.Precision),
            TileSize = r.TileSize,
        };
        proto.ContentLayers.AddRange(r.ContentLayers.Select(l => new Protos.V1.LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        proto.StyleLayers.AddRange(r.StyleLayers.Select(l => new Protos.V1.LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        proto.Levels.AddRange(r.Plan.Levels.Select(l => new Protos.V1.PlannedLevel { Width = l.Width, Height = l.Height, Tiled = l.Tiled, Iterations = l.Iterations }));
        proto.EstimatedBytes = r.Plan.EstimatedBytes;
        proto.LbfgsHistory = r.Plan.Options.LbfgsHistory;
        proto.ResumedFromIteration = r.ResumedFromIteration;
        proto.Attempts = 1;
        proto.ColorControl = ProtoEnums.ToProto(r.ColourControl);
        proto.Regions.AddRange(r.Regions.Select(g => new Protos.V1.RegionRecord { MaskSha256 = g.MaskSha256, Style = g.Style, Weight = g.Weight, Area = g.Area }));
        return proto;
    }

    private static Losses Losses(StyleTransferProgress p) => new()
    {
        Content = p.ContentLoss,
        Style = p.StyleLoss,
        TotalVariation = p.TotalVariationLoss,
        Total = p.TotalLoss,
    };

    // Sides a client may offer: 128, 192, 256, 384, 512, 768, … (powers of two and 1.5×), capped by and ending at the limit.
    private static IEnumerable<int> OutputSides(int maxSide)
    {
        for (var side = 128; side < maxSide; side *= 2)
        {
            yield return side;
            if (side * 3 / 2 < maxSide)
            {
                yield return side * 3 / 2;
            }
        }
        yield return maxSide;
    }
}
