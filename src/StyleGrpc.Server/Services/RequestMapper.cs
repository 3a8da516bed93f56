using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;

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
        var decoded = DecodeImage(bytes, "image", limits.MaxPixels);
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

    /// <summary>Decodes an uploaded image, turning codec errors into errors naming <paramref name="field"/>.</summary>
    public static RgbImage DecodeImage(byte[] bytes, string field, long maxPixels)
    {
        Require(bytes.Length > 0, field, "is required");
        try
        {
            return ImageCodec.Decode(bytes, maxPixels);
        }
        catch (ImageDecodeException ex)
        {
            throw new RequestFieldException(field, ex.Message);
        }
        catch (ImageTooLargeException ex)
        {
            throw new RequestFieldException(field, ex.Message);
        }
    }

    /// <summary>The preset name to use: <paramref name="requested"/> checked against the network, or its default.</summary>
    public static string ResolvePreset(StyleTransferEngine engine, string? requested, string field)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return engine.Network.Presets[0].Name;
        }
        return engine.Network.Presets.FirstOrDefault(p => string.Equals(p.Name, requested, StringComparison.OrdinalIgnoreCase))?.Name
            ?? throw new RequestFieldException(field, $"'{requested}' is not a preset of {engine.Network.Info.Name} (available: {string.Join(", ", engine.Network.Presets.Select(p => p.Name))})");
    }

    public static StylizeJobSpec ToJob(StylizeRequest request, StyleTransferEngine engine, StyleGrpcServerOptions limits)
    {
        var inline = request.StyleCase == StylizeRequest.StyleOneofCase.StyleImage;
        RequireSize(request.ContentImage.Length + (inline ? request.StyleImage.Length : 0), inline ? "style_image" : "content_image", limits);
        var o = request.Options ?? new StylizeOptions();
        var maxSide = o.MaxSide == 0 ? Math.Min(DefaultMaxSide, limits.MaxSide) : o.MaxSide;
        Require(maxSide >= 16 && maxSide <= limits.MaxSide, "options.max_side", $"must be between 16 and {limits.MaxSide} pixels");
        var iterations = o.Iterations == 0 ? Math.Min(DefaultIterations, limits.MaxIterations) : o.Iterations;
        Require(iterations >= 1 && iterations <= limits.MaxIterations, "options.iterations", $"must be between 1 and {limits.MaxIterations}");
        Require(Enum.IsDefined(o.Optimizer), "options.optimizer", "is not a known optimizer");
        Require(Enum.IsDefined(o.Init), "options.init", "is not a known init");
        Require(Enum.IsDefined(o.OutputFormat), "options.output_format", "is not a known format");
        RequireFinite(o.HasLearningRate ? o.LearningRate : null, "options.learning_rate", positive: true);
        RequireFinite(o.HasContentWeight ? o.ContentWeight : null, "options.content_weight", positive: false);
        RequireFinite(o.HasStyleWeight ? o.StyleWeight : null, "options.style_weight", positive: false);
        RequireFinite(o.HasTvWeight ? o.TvWeight : null, "options.tv_weight", positive: false);
        Require(!o.HasInitNoiseRatio || o.InitNoiseRatio is >= 0 and <= 1, "options.init_noise_ratio", "must be between 0 and 1");
        Require(o.PreviewEvery >= 0, "options.preview_every", "must be ≥ 0");
        Require(o.PreviewEvery == 0 || iterations / o.PreviewEvery <= limits.MaxPreviews, "options.preview_every",
            $"would send {iterations / Math.Max(1, o.PreviewEvery)} previews, more than the limit of {limits.MaxPreviews}");
        Require(o.Quality is >= 0 and <= 100, "options.quality", "must be between 1 and 100 (0 = 92)");
        Require(o.StyleScale == 0 || o.StyleScale is >= 0.1 and <= 4, "options.style_scale", "must be between 0.1 and 4 (0 = 1)");
        Require(!o.HasRelativeTolerance || (double.IsFinite(o.RelativeTolerance) && o.RelativeTolerance is >= 0 and < 1), "options.relative_tolerance", "must be in [0, 1)");
        Require(o.ScaleLevels is >= 0 and <= ScaleSchedule.MaxLevels, "options.scale_levels", $"must be between 1 and {ScaleSchedule.MaxLevels} (0 = automatic)");
        Require(o.CoarseIterations >= 0 && o.CoarseIterations <= limits.MaxIterations, "options.coarse_iterations", $"must be between 0 and {limits.MaxIterations}");
        Require(o.TileSize == 0 || (o.TileSize >= 32 && o.TileSize <= limits.MaxSide), "options.tile_size", $"must be between 32 and {limits.MaxSide} pixels (0 = automatic)");
        var preset = string.IsNullOrEmpty(o.Preset) ? null : ResolvePreset(engine, o.Preset, "options.preset");
        var contentLayers = ToLayers(o.ContentLayers, engine, "options.content_layers");
        var styleLayers = ToLayers(o.StyleLayers, engine, "options.style_layers");

        var content = DecodeImage(request.ContentImage.ToByteArray(), "content_image", limits.MaxPixels);
        var style = ToStyleSource(request, limits, o.StyleScale == 0 ? 1 : o.StyleScale);
        var options = new StyleTransferOptions
        {
            MaxSide = maxSide,
            Iterations = iterations,
            Optimizer = ProtoEnums.ToEngine(o.Optimizer),
            LearningRate = o.HasLearningRate ? o.LearningRate : null,
            ContentWeight = o.HasContentWeight ? o.ContentWeight : null,
            StyleWeight = o.HasStyleWeight ? o.StyleWeight : null,
            TotalVariationWeight = o.HasTvWeight ? o.TvWeight : null,
            Preset = preset,
            ContentLayers = contentLayers,
            StyleLayers = styleLayers,
            Init = ProtoEnums.ToEngine(o.Init),
            InitNoiseRatio = o.HasInitNoiseRatio ? o.InitNoiseRatio : 0.5,
            Seed = o.Seed,
            PreviewEvery = o.PreviewEvery,
            KeepOriginalColours = o.KeepOriginalColors,
            RelativeTolerance = o.HasRelativeTolerance ? o.RelativeTolerance : new StyleTransferOptions().RelativeTolerance,
            ScaleLevels = o.HasScaleLevels ? o.ScaleLevels
                : limits.CoarseToFineFrom > 0 && maxSide >= limits.CoarseToFineFrom ? ScaleSchedule.Levels(maxSide) : 1,
            CoarseIterations = o.CoarseIterations == 0 ? null : o.CoarseIterations,
            TileSize = o.TileSize > 0 ? o.TileSize : maxSide > limits.TileAbove ? limits.TileSize : 0,
            // Automatic tiling leaves the coarse-to-fine levels that fit whole; a tile size asked for applies to every level larger.
            TileAbove = o.TileSize > 0 ? 0 : limits.TileAbove,
            Threads = limits.ThreadsPerJob > 0 ? limits.ThreadsPerJob : Math.Max(1, Environment.ProcessorCount / Math.Max(1, limits.ConcurrentJobs)),
        };
        // Tiled outputs have sides on the network's total stride.
        var (width, height, _) = engine.LevelSizes(content.Width, content.Height, options)[^1];
        return new StylizeJobSpec(content, style, options, ProtoEnums.ToEngine(o.OutputFormat), o.Quality == 0 ? 92 : o.Quality, width, height);
    }

    /// <summary>The engine option names mapped to the proto fields that set them, for error messages.</summary>
    public static string FieldOf(string engineOption) => engineOption switch
    {
        "MaxSide" => "options.max_side",
        "Iterations" => "options.iterations",
        "LearningRate" => "options.learning_rate",
        "ContentWeight" => "options.content_weight",
        "StyleWeight" => "options.style_weight",
        "TotalVariationWeight" => "options.tv_weight",
        "Preset" => "options.preset",
        "InitNoiseRatio" => "options.init_noise_ratio",
        "Blend" => "blend",
        "StyleLayers" => "options.style_layers",
        "ContentLayers" => "options.content_layers",
        "Style" => "style",
        _ => "options",
    };

    private static StyleSource ToStyleSource(StylizeRequest request, StyleGrpcServerOptions limits, double scale)
    {
        switch (request.StyleCase)
        {
            case StylizeRequest.StyleOneofCase.StyleName:
                return new RegisteredStyles([(StyleId.FromName(request.StyleName, "style_name"), 1.0)]);
            case StylizeRequest.StyleOneofCase.StyleImage:
                return new InlineStyle(DecodeImage(request.StyleImage.ToByteArray(), "style_image", limits.MaxPixels), scale);
            case StylizeRequest.StyleOneofCase.Blend:
                var components = request.Blend.Components;
                Require(components.Count >= 2, "blend.components", "needs at least two styles (use style_name for one)");
                Require(components.Count <= MaxBlendComponents, "blend.components", $"takes at most {MaxBlendComponents} styles");
                var parts = new List<(string, double)>();
                for (var i = 0; i < components.Count; i++)
                {
                    var weight = components[i].Weight;
                    Require(double.IsFinite(weight) && weight > 0, $"blend.components[{i}].weight", "must be a finite number > 0");
                    parts.Add((StyleId.FromName(components[i].Style, $"blend.components[{i}].style"), weight));
                }
                return new RegisteredStyles(parts);
            default:
                throw new RequestFieldException("style", "one of style_name, style_image or blend is required");
        }
    }



    // Explicit layers, each a layer of the serving network with a finite weight > 0; null when none are given.
    private static IReadOnlyList<Engine.Networks.LayerWeight>? ToLayers(IList<Protos.V1.LayerWeight> layers, StyleTransferEngine engine, string field)
    {
        if (layers.Count == 0)
        {
            return null;
        }
        Require(layers.Count <= engine.Network.LayerNames.Count, field, $"names at most {engine.Network.LayerNames.Count} layers");
        for (var i = 0; i < layers.Count; i++)
        {
            Require(engine.Network.LayerNames.Contains(layers[i].Layer), $"{field}[{i}].layer",
                $"'{layers[i].Layer}' is not a layer of {engine.Network.Info.Name} (layers: {string.Join(", ", engine.Network.LayerNames)})");
            Require(double.IsFinite(layers[i].Weight) && layers[i].Weight > 0, $"{field}[{i}].weight", "must be a finite number > 0");
            Require(layers.Take(i).All(l => l.Layer != layers[i].Layer), $"{field}[{i}].layer", $"'{layers[i].Layer}' is named twice");
        }
        return [.. layers.Select(l => new Engine.Networks.LayerWeight(l.Layer, l.Weight))];
    }

    private static void RequireSize(long bytes, string field, StyleGrpcServerOptions limits) =>
        Require(bytes <= limits.MaxRequestBytes, field, $"the request carries {bytes} bytes of images, above the limit of {limits.MaxRequestBytes}");

    private static void RequireFinite(double? value, string field, bool positive)
    {
        if (value is { } v)
        {
            Require(double.IsFinite(v) && (positive ? v > 0 : v >= 0), field, positive ? "must be a finite number > 0" : "must be a finite number ≥ 0");
        }
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new RequestFieldException(field, message);
        }
    }
}
