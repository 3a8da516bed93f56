using Google.Protobuf;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Services;

/// <summary>
/// Proto requests to engine inputs, checking every field against the server's limits. Errors name
/// the proto field (<c>options.iterations</c>) and become INVALID_ARGUMENT.
/// </summary>
public static class RequestMapper
{
    private const int DefaultMaxSide = 512;
    private const int DefaultIterations = 500;
    private const int MaxBlendComponents = 16;

    /// <summary>A RegisterStyle request, checked: the ID, display name, size, preset and image.</summary>
    public static StyleRegistration ToRegistration(RegisterStyleRequest request, StyleTransferEngine engine, StyleGrpcServerOptions limits)
    {
        var id = StyleId.Validate(request.StyleId, "style_id");
        Require(request.DisplayName.Length <= 200, "display_name", "must be at most 200 characters");
        var styleSize = request.StyleSize == 0 ? Math.Min(limits.DefaultStyleSize, limits.MaxSide) : request.StyleSize;
        Require(styleSize >= 16 && styleSize <= limits.MaxSide, "style_size", $"must be between 16 and {limits.MaxSide} pixels");
        RequireSize(request.Image.Length, "image", limits);
        var preset = ResolvePreset(engine, request.Preset, "preset");
        var bytes = request.Image.ToByteArray();
        ReadHeader(bytes, "image", limits.MaxPixels);
        RgbImage decoded;
        try
        {
            decoded = StyleImages.Decode(bytes, styleSize);
        }
        catch (ImageDecodeException ex)
        {
            throw new RequestFieldException("image", ex.Message);
        }
        return new StyleRegistration(id, string.IsNullOrWhiteSpace(request.DisplayName) ? id : request.DisplayName.Trim(), bytes, decoded, styleSize,
            preset, request.Replace);
    }

    /// <summary>A GetStyleImage request, checked: the style, the thumbnail size (0 = the stored image) and its format.</summary>
    public static (string Id, int MaxSide, Engine.Imaging.ImageFormat Format) ToImageRequest(GetStyleImageRequest request, StyleGrpcServerOptions limits)
    {
        var id = StyleId.FromName(request.Name, "name");
        Require(request.MaxSide == 0 || (request.MaxSide >= 16 && request.MaxSide <= limits.MaxSide), "max_side",
            $"must be between 16 and {limits.MaxSide} pixels (0 = the stored image)");
        Require(Enum.IsDefined(request.Format), "format", "is not a known format");
        return (id, request.MaxSide, ProtoEnums.ToEngine(request.Format));
    }

    /// <summary>A ListStyles request, checked: the ID to start after and the page size.</summary>
    public static (string? After, int PageSize) ToPage(ListStylesRequest request, int defaultPageSize)
    {
        Require(request.PageSize is >= 0 and <= 1000, "page_size", "must be between 0 and 1000");
        Require(string.IsNullOrEmpty(request.PageToken) || StyleId.IsValid(request.PageToken), "page_token", "is not a token this server issued");
        return (string.IsNullOrEmpty(request.PageToken) ? null : request.PageToken, request.PageSize == 0 ? defaultPageSize : request.PageSize);
    }

    /// <summary>Reads an uploaded image's header (format, size, pixel count), turning codec errors into errors naming <paramref name="field"/>.</summary>
    public static ImageHeader ReadHeader(ReadOnlySpan<byte> bytes, string field, long maxPixels)
    {
        Require(bytes.Length > 0, field, "is required");
        try
        {
            return ImageCodec.ReadHeader(bytes, maxPixels);
        }
        catch (Exception ex) when (ex is ImageDecodeException or ImageTooLargeException)
        {
            throw new RequestFieldException(field, ex.Message);
        }
    }

    /// <summary>The preset name to use: <paramref name="requested"/> checked against the network, or its default.</summary>
    private static string ResolvePreset(StyleTransferEngine engine, string? requested, string field)
    {
        try
        {
            return engine.Preset(requested).Name;
        }
        catch (InvalidStyleOptionException ex)
        {
            throw new RequestFieldException(field, ex.Reason);
        }
    }

    /// <summary>
    /// The request's ID (AIP-155) and the fingerprint a retry must match: the SHA-256 of the request with its request ID left
    /// out. Null without an ID; INVALID_ARGUMENT naming <c>request_id</c> when it is not a UUID.
    /// </summary>
    public static JobRequest? ToJobRequest<T>(T request, string requestId) where T : IMessage<T>, IDeepCloneable<T>
    {
        if (requestId.Length == 0)
        {
            return null;
        }
        if (!Guid.TryParse(requestId, out var id))
        {
            throw new RequestFieldException("request_id", "must be a UUID (e.g. 4f1c2a9e-0b7d-4c3e-9a51-2d6e8f0b1c3a), made once per request and sent again on every retry");
        }
        var copy = request.Clone();
        copy.Descriptor.FindFieldByName("request_id").Accessor.SetValue(copy, "");
        return new JobRequest(id.ToString("D"), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(copy.ToByteArray())));
    }

    /// <summary>
    /// A Stylize request, checked once and planned once: proto-only fields here (style source, enums, output), every option
    /// of the run by the engine's <see cref="StyleTransferEngine.Plan"/> against <paramref name="runLimits"/> (its errors name
    /// engine options, which <see cref="OptionFields"/> turns into proto fields). Images are checked by their headers only and
    /// stay encoded until the job runs.
    /// </summary>
    public static StylizeJobSpec ToJob(StylizeRequest request, StyleTransferEngine engine, StyleGrpcServerOptions limits, RunLimits runLimits)
    {
        var inline = request.StyleCase == StylizeRequest.StyleOneofCase.StyleImage;
        var regionBytes = request.Regions.Sum(r => (long)r.Mask.Length + r.StyleImage.Length);
        RequireSize(request.ContentImage.Length + (inline ? request.StyleImage.Length : 0) + regionBytes,
            regionBytes > 0 ? "regions" : inline ? "style_image" : "content_image", limits);
        var o = request.Options ?? new StylizeOptions();
        Require(Enum.IsDefined(o.ColorControl), "options.color_control", "is not a known colour control");
        Require(Enum.IsDefined(o.Optimizer), "options.optimizer", "is not a known optimizer");
        Require(Enum.IsDefined(o.Init), "options.init", "is not a known init");
        Require(Enum.IsDefined(o.Method), "options.method", "is not a known method");
        var method = ProtoEnums.ToEngine(o.Method);
        // A network belongs to one registered style: blends and inline images have none.
        Require(method != StylizeMethod.FeedForward || request.StyleCase == StylizeRequest.StyleOneofCase.StyleName, "options.method",
            "METHOD_FEED_FORWARD needs style_name (a registered style with a trained network); blends and inline styles have none");
        Require(o.Init != Init.FeedForward || request.StyleCase == StylizeRequest.StyleOneofCase.StyleName, "options.init",
            "INIT_FEED_FORWARD needs style_name (a registered style with a trained network); blends and inline styles have none");
        Require(method != StylizeMethod.FeedForward || o.Init is Init.Unspecified or Init.Content, "options.init",
            "a feed-forward pass has no start image: leave options.init unset with METHOD_FEED_FORWARD");
        // The pass is the network's picture as it is: it has no style loss to guide by region, and no colour step after it.
        Require(method != StylizeMethod.FeedForward || request.Regions.Count == 0, "options.method",
            "METHOD_FEED_FORWARD paints the whole picture with the style's network: regions need optimisation (leave options.method unset)");
        Require(method != StylizeMethod.FeedForward || (o.ColorControl is ColorControl.Unspecified or ColorControl.None && !o.KeepOriginalColors),
            "options.color_control", "METHOD_FEED_FORWARD keeps the network's colours: colour control needs optimisation");
        Require(Enum.IsDefined(o.OutputFormat), "options.output_format", "is not a known format");
        Require(o.Quality is >= 0 and <= 100, "options.quality", "must be between 1 and 100 (0 = 92)");
        Require(o.StyleScale == 0 || o.StyleScale is >= 0.1 and <= 4, "options.style_scale", "must be between 0.1 and 4 (0 = 1)");
        // The request's own bytes, not a copy: a queued job holds its image once.
        var content = request.ContentImage.Memory;
        var header = ReadHeader(content.Span, "content_image", limits.MaxPixels);
        var scale = o.StyleScale == 0 ? 1 : o.StyleScale;
        var style = ToStyleSource(request.StyleCase switch
        {
            StylizeRequest.StyleOneofCase.StyleName => request.StyleName,
            StylizeRequest.StyleOneofCase.StyleImage => request.StyleImage,
            StylizeRequest.StyleOneofCase.Blend => request.Blend,
            _ => null,
        }, "", limits, scale);
        var regions = ToRegions(request.Regions, limits, scale);
        var maxSide = o.MaxSide == 0 ? Math.Min(DefaultMaxSide, limits.MaxSide) : o.MaxSide;
        var options = new StyleTransferOptions
        {
            MaxSide = maxSide,
            Iterations = method == StylizeMethod.FeedForward ? 1 : o.Iterations == 0 ? Math.Min(DefaultIterations, limits.MaxIterations) : o.Iterations,
            Optimizer = ProtoEnums.ToEngine(o.Optimizer),
            LearningRate = o.HasLearningRate ? o.LearningRate : null,
            ContentWeight = o.HasContentWeight ? o.ContentWeight : null,
            StyleWeight = o.HasStyleWeight ? o.StyleWeight : null,
            TotalVariationWeight = o.HasTvWeight ? o.TvWeight : null,
            Preset = string.IsNullOrEmpty(o.Preset) ? null : o.Preset,
            ContentLayers = ToLayers(o.ContentLayers),
            StyleLayers = ToLayers(o.StyleLayers),
            Init = ProtoEnums.ToEngine(o.Init),
            InitNoiseRatio = o.HasInitNoiseRatio ? o.InitNoiseRatio : 0.5,
            Seed = o.Seed,
            PreviewEvery = o.PreviewEvery,
            KeepOriginalColours = o.KeepOriginalColors,
            ColourControl = ProtoEnums.ToEngine(o.ColorControl),
            Regions = regions.Count == 0 ? null : [.. regions.Select(r => r.Plan)],
            BlendComponents = style is RegisteredStyles { ScaleControlled: true } && request.StyleCase == StylizeRequest.StyleOneofCase.Blend
                ? [.. request.Blend.Components.Select(c => new BlendComponentLayers(c.Weight, ToLayers(c.StyleLayers)))]
                : null,
            RelativeTolerance = o.HasRelativeTolerance ? o.RelativeTolerance : new StyleTransferOptions().RelativeTolerance,
            // One pass at the output size: no levels, and one nominal iteration for the plan (the pass runs none).
            ScaleLevels = method == StylizeMethod.FeedForward ? 1
                : o.HasScaleLevels ? o.ScaleLevels
                : limits.CoarseToFineFrom > 0 && maxSide >= limits.CoarseToFineFrom ? ScaleSchedule.Levels(maxSide) : 1,
            CoarseIterations = o.CoarseIterations == 0 ? null : o.CoarseIterations,
            TileSize = o.TileSize > 0 ? o.TileSize : maxSide > limits.TileAbove ? limits.TileSize : 0,
            // Automatic tiling leaves the coarse-to-fine levels that fit whole; a tile size asked for applies to every level larger.
            TileAbove = o.TileSize > 0 ? 0 : limits.TileAbove,
            Threads = CpuQuota.ThreadsPerJob(limits.ThreadsPerJob, limits.ConcurrentJobs),
        };
        var plan = engine.Plan(header.Width, header.Height, options, runLimits);
        if (method == StylizeMethod.FeedForward)
        {
            // The pass's memory, not an optimisation's, is what the budget holds.
            plan = plan with { EstimatedBytes = FeedForwardModel.EstimatedBytes(plan.Width, plan.Height, plan.Options.TileSize) };
        }
        else if (options.Init == InitKind.FeedForward)
        {
            // The network's pass runs first and is released before the optimisation starts: the larger of the two is the peak.
            plan = plan with { EstimatedBytes = Math.Max(plan.EstimatedBytes, FeedForwardModel.EstimatedBytes(plan.Width, plan.Height, plan.Options.TileSize)) };
        }
        return new StylizeJobSpec(content, header, style, plan, ProtoEnums.ToEngine(o.OutputFormat), o.Quality == 0 ? 92 : o.Quality, method,
            regions.Count == 0 ? null : [.. regions.Select(r => r.Spec)]);
    }

    /// <summary>
    /// A TrainStyleNetwork request for <paramref name="style"/>, checked: the server's defaults for values left at 0, its
    /// limits (<see cref="TrainingOptions"/>), then the trainer's own ranges (errors name the request's fields), and the
    /// training's memory estimate, worked out once.
    /// </summary>
    public static TrainingJobSpec ToTraining(TrainStyleNetworkRequest request, Storage.StyleRecord style, StyleTransferEngine engine, TrainingOptions limits)
    {
        Require(request.Iterations >= 0 && request.Iterations <= limits.MaxIterations, "iterations",
            $"must be between 1 and {limits.MaxIterations} (0 = the server's default, {limits.Iterations})");
        Require(request.ImageSize == 0 || (request.ImageSize >= 64 && request.ImageSize <= limits.MaxImageSize), "image_size",
            $"must be between 64 and {limits.MaxImageSize} pixels (0 = the server's default, {limits.ImageSize})");
        Require(request.BatchSize >= 0 && request.BatchSize <= limits.MaxBatchSize, "batch_size",
            $"must be between 1 and {limits.MaxBatchSize} (0 = the server's default, {limits.BatchSize})");
        Require(!request.HasContentWeight || (double.IsFinite(request.ContentWeight) && request.ContentWeight > 0), "content_weight", "must be a finite number > 0");
        Require(!request.HasStyleWeight || (double.IsFinite(request.StyleWeight) && request.StyleWeight > 0), "style_weight", "must be a finite number > 0");
        Require(!request.HasStabilityWeight || request.StabilityWeight is >= 0 and <= 1000, "stability_weight", "must be 0 (off) to 1000");
        var options = new FeedForwardTrainingOptions
        {
            Iterations = request.Iterations == 0 ? limits.Iterations : request.Iterations,
            ImageSize = request.ImageSize == 0 ? limits.ImageSize : request.ImageSize,
            BatchSize = request.BatchSize == 0 ? limits.BatchSize : request.BatchSize,
            ContentWeight = request.HasContentWeight ? request.ContentWeight : new FeedForwardTrainingOptions().ContentWeight,
            StyleWeight = request.HasStyleWeight ? request.StyleWeight : null,
            StabilityWeight = request.HasStabilityWeight ? request.StabilityWeight : 0,
            ShiftedLoss = request.ShiftedLoss,
            // The loss network's layers are those the style was registered for.
            Preset = style.Preset,
        };
        var trainer = new FeedForwardTrainer(engine);
        try
        {
            trainer.Validate(options);
        }
        catch (InvalidStyleOptionException ex)
        {
            throw new RequestFieldException(OptionFields.TrainingField(ex.Field), ex.Reason);
        }
        return new TrainingJobSpec(style.Id, style.Version, options, engine.Network.Info.Fingerprint, trainer.EstimatedBytes(options));
    }

    // The request's regions: each mask's header read (its size goes to the plan, which checks its aspect and the count), its
    // style as the request's own; weight 0 means 1 (the plan checks the rest). Per-component layers are the request's own
    // style's only (scale control), not a region's.
    private static List<(RegionSpec Spec, RegionOptions Plan)> ToRegions(IList<Region> regions, StyleGrpcServerOptions limits, double scale)
    {
        var mapped = new List<(RegionSpec, RegionOptions)>();
        for (var i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            var prefix = $"regions[{i}].";
            var mask = region.Mask.Memory;
            var header = ReadHeader(mask.Span, prefix + "mask", limits.MaxPixels);
            object? source = region.StyleCase switch
            {
                Region.StyleOneofCase.StyleName => region.StyleName,
                Region.StyleOneofCase.StyleImage => region.StyleImage,
                Region.StyleOneofCase.Blend => region.Blend,
                _ => null,
            };
            if (region.StyleCase == Region.StyleOneofCase.Blend)
            {
                for (var c = 0; c < region.Blend.Components.Count; c++)
                {
                    Require(region.Blend.Components[c].StyleLayers.Count == 0, $"{prefix}blend.components[{c}].style_layers",
                        "per-component layers (scale control) apply to the request's own blend only");
                }
            }
            var weight = region.Weight == 0 ? 1 : region.Weight;
            mapped.Add((new RegionSpec(mask, ToStyleSource(source, prefix, limits, scale), weight), new RegionOptions(header.Width, header.Height, weight)));
        }
        return mapped;
    }

    // A style given as the request's own (style_name, style_image or blend); errors name the field under prefix ("" or "regions[i].").
    private static StyleSource ToStyleSource(object? style, string prefix, StyleGrpcServerOptions limits, double scale)
    {
        switch (style)
        {
            case string name:
                return new RegisteredStyles([(StyleId.FromName(name, prefix + "style_name"), 1.0)]);
            case Google.Protobuf.ByteString bytes:
                var image = bytes.Memory;
                return new InlineStyle(image, ReadHeader(image.Span, prefix + "style_image", limits.MaxPixels), scale) { Field = prefix + "style_image" };
            case StyleBlend blend:
                var components = blend.Components;
                Require(components.Count >= 2, prefix + "blend.components", "needs at least two styles (use style_name for one)");
                Require(components.Count <= MaxBlendComponents, prefix + "blend.components", $"takes at most {MaxBlendComponents} styles");
                var parts = new List<(string, double)>();
                for (var i = 0; i < components.Count; i++)
                {
                    var weight = components[i].Weight;
                    Require(double.IsFinite(weight) && weight > 0, $"{prefix}blend.components[{i}].weight", "must be a finite number > 0");
                    parts.Add((StyleId.FromName(components[i].Style, $"{prefix}blend.components[{i}].style"), weight));
                }
                return new RegisteredStyles(parts) { ScaleControlled = components.Any(c => c.StyleLayers.Count > 0) };
            default:
                throw new RequestFieldException(prefix + "style", "one of style_name, style_image or blend is required");
        }
    }



    /// <summary>
    /// The decode a SubmitStylizeVideo request asks for, its own fields checked; <see cref="VideoDecodePlan.Create"/> checks
    /// it against the file. The frames' longer side defaults to 512 (never above the video's own).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="limits">The server's limits.</param>
    /// <param name="sizeMultiple">The serving network's size multiple: the frames are decoded at a size it keeps.</param>
    public static VideoDecodeOptions ToVideoDecode(StylizeVideoRequest request, StyleGrpcServerOptions limits, int sizeMultiple)
    {
        Require(request.SourceCase == StylizeVideoRequest.SourceOneofCase.VideoUpload || !request.Video.IsEmpty, "video",
            "is required: the video file's bytes, or video_upload naming a file sent with UploadVideo");
        RequireSize(request.Video.Length + (request.StyleCase == StylizeVideoRequest.StyleOneofCase.StyleImage ? request.StyleImage.Length : 0),
            "video", limits);
        var range = request.FrameRange ?? new VideoFrameRange();
        Require(range.First >= 0 && range.Count >= 0, "frame_range", "first and count must be 0 or more");
        Require(double.IsFinite(request.FrameRate) && request.FrameRate >= 0, "frame_rate", "must be a number of frames per second (0 = the video's own)");
        var o = request.Options ?? new StylizeOptions();
        return new VideoDecodeOptions
        {
            MaxSide = o.MaxSide == 0 ? DefaultMaxSide : o.MaxSide,
            SizeMultiple = sizeMultiple,
            Range = new FrameRange(range.First, range.Count == 0 ? null : range.Count),
            FramesPerSecond = request.FrameRate == 0 ? null : request.FrameRate,
        };
    }

    /// <summary>
    /// One frame of a video as a Stylize request, for <see cref="ToJob"/> to check and plan: the video request's style and
    /// options, its first frame as the content at the frames' size, the given method, one level, no previews.
    /// </summary>
    public static StylizeRequest ToVideoFrame(StylizeVideoRequest request, RgbImage firstFrame, StylizeMethod method)
    {
        var options = (request.Options ?? new StylizeOptions()).Clone();
        options.MaxSide = Math.Max(firstFrame.Width, firstFrame.Height);
        options.Method = ProtoEnums.ToProto(method);
        options.ScaleLevels = 1;
        options.PreviewEvery = 0;
        options.TileSize = 0;
        var frame = new StylizeRequest { ContentImage = ByteString.CopyFrom(ImageCodec.Encode(firstFrame, Engine.Imaging.ImageFormat.Png)), Options = options };
        switch (request.StyleCase)
        {
            case StylizeVideoRequest.StyleOneofCase.StyleName:
                frame.StyleName = request.StyleName;
                break;
            case StylizeVideoRequest.StyleOneofCase.StyleImage:
                frame.StyleImage = request.StyleImage;
                break;
            case StylizeVideoRequest.StyleOneofCase.Blend:
                frame.Blend = request.Blend;
                break;
        }
        return frame;
    }

    /// <summary>
    /// A checked video job: its file (the request's own or its upload's), its decode, how each frame is stylised, the temporal
    /// weight (unset = 1) and the output format.
    /// </summary>
    public static VideoJobSpec ToVideoJob(StylizeVideoRequest request, ReadOnlyMemory<byte> video, VideoDecodePlan decode, StylizeJobSpec frame)
    {
        Require(!request.HasTemporalWeight || request.TemporalWeight is >= 0 and <= MaxTemporalWeight, "temporal_weight",
            $"must be 0 (every frame on its own) to {MaxTemporalWeight}; unset = 1");
        Require(Enum.IsDefined(request.OutputFormat), "output_format", "is not a known video format");
        return new VideoJobSpec(video, decode, frame, request.HasTemporalWeight ? request.TemporalWeight : 1,
            ProtoEnums.ToEngine(request.OutputFormat));
    }

    private const double MaxTemporalWeight = 100;

    // Explicit layers as given (the engine checks them against the network); null when none are given.
    private static IReadOnlyList<Engine.Networks.LayerWeight>? ToLayers(IList<Protos.V1.LayerWeight> layers) =>
        layers.Count == 0 ? null : [.. layers.Select(l => new Engine.Networks.LayerWeight(l.Layer, l.Weight))];

    private static void RequireSize(long bytes, string field, StyleGrpcServerOptions limits) =>
        Require(bytes <= limits.MaxRequestBytes, field, $"the request carries {bytes} bytes of images, above the limit of {limits.MaxRequestBytes}");

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new RequestFieldException(field, message);
        }
    }
}
