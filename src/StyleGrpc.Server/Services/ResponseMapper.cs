using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Styles;
using ImageFormat = StyleGrpc.Engine.Imaging.ImageFormat;
using ProtoFormat = StyleGrpc.Protos.V1.ImageFormat;

namespace StyleGrpc.Server.Services;

/// <summary>Engine and registry types to proto messages.</summary>
public static class ResponseMapper
{
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
        return style;
    }

    public static EncodedImage Encode(RgbImage image, ImageFormat format, int quality) => new()
    {
        Data = ByteString.CopyFrom(ImageCodec.Encode(image, format, quality)),
        Format = ToProto(format),
        Width = image.Width,
        Height = image.Height,
    };

    public static Progress ToProto(StyleTransferProgress p, ImageFormat format, int quality) => new()
    {
        Iteration = p.Iteration,
        TotalIterations = p.TotalIterations,
        Losses = Losses(p),
        Elapsed = Duration.FromTimeSpan(p.Elapsed),
        Eta = Duration.FromTimeSpan(p.EstimatedRemaining),
        Preview = p.Preview is null ? null : Encode(p.Preview, format, quality),
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
            Optimizer = r.Optimizer switch
            {
                OptimizerKind.Adam => Protos.V1.Optimizer.Adam,
                OptimizerKind.RmsProp => Protos.V1.Optimizer.Rmsprop,
                _ => Protos.V1.Optimizer.Lbfgs,
            },
            LearningRate = r.LearningRate,
            Iterations = r.Iterations,
            Init = r.Init switch
            {
                InitKind.Noise => Protos.V1.Init.Noise,
                InitKind.Blend => Protos.V1.Init.Blend,
                _ => Protos.V1.Init.Content,
            },
            InitNoiseRatio = r.InitNoiseRatio,
            Seed = r.Seed,
            StyleWidth = r.StyleWidth,
            StyleHeight = r.StyleHeight,
            KeepOriginalColors = r.KeepOriginalColours,
            RelativeTolerance = r.RelativeTolerance,
            Threads = r.Threads,
            ScaleLevels = r.ScaleLevels,
            CoarseIterations = r.CoarseIterations,
            Precision = r.Network.Precision == Engine.Networks.Precision.BFloat16 ? "bfloat16" : "float32",
        };
        proto.ContentLayers.AddRange(r.ContentLayers.Select(l => new Protos.V1.LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        proto.StyleLayers.AddRange(r.StyleLayers.Select(l => new Protos.V1.LayerWeight { Layer = l.Layer, Weight = l.Weight }));
        return proto;
    }

    private static Losses Losses(StyleTransferProgress p) => new()
    {
        Content = p.ContentLoss,
        Style = p.StyleLoss,
        TotalVariation = p.TotalVariationLoss,
        Total = p.TotalLoss,
    };

    private static ProtoFormat ToProto(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => ProtoFormat.Jpeg,
        ImageFormat.Webp => ProtoFormat.Webp,
        _ => ProtoFormat.Png,
    };
}
