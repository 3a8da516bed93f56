using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Optimization;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Hosting;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Styles;
using ImageFormat = StyleGrpc.Engine.Imaging.ImageFormat;
using ProtoFormat = StyleGrpc.Protos.V1.ImageFormat;

namespace StyleGrpc.Server.Services;

/// <summary>A validated Stylize request in engine terms.</summary>
public sealed record StylizeJobSpec(
    RgbImage Content,
    StyleSource Style,
    StyleTransferOptions Options,
    ImageFormat OutputFormat,
    int Quality,
    int Width,
    int Height);

/// <summary>
/// Proto requests to engine inputs, checking every field against the server's limits. Errors name
/// the proto field (<c>options.iterations</c>) and become INVALID_ARGUMENT.
/// </summary>
public static class RequestMapper
{
    private const int DefaultMaxSide = 512;
    private const int DefaultIterations = 500;

    public static StylizeJobSpec ToJob(StylizeRequest request, StyleTransferEngine engine, StyleRegistry registry, StyleGrpcServerOptions limits)
    {
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
        Require(o.ScaleLevels is >= 0 and <= 4, "options.scale_levels", "must be between 1 and 4 (0 = 1)");
        Require(o.CoarseIterations >= 0 && o.CoarseIterations <= limits.MaxIterations, "options.coarse_iterations", $"must be between 0 and {limits.MaxIterations}");
        var preset = string.IsNullOrEmpty(o.Preset) ? null : StyleRegistry.ResolvePreset(engine, o.Preset, "options.preset");

        var content = StyleRegistry.DecodeImage(request.ContentImage.ToByteArray(), "content_image", limits.MaxPixels);
        var style = ToStyleSource(request, registry, limits, o.StyleScale == 0 ? 1 : o.StyleScale);
        var (width, height) = ImageCodec.FitWithin(content.Width, content.Height, maxSide, engine.Network.SizeMultiple);
        var options = new StyleTransferOptions
        {
            MaxSide = maxSide,
            Iterations = iterations,
            Optimizer = o.Optimizer switch
            {
                Protos.V1.Optimizer.Adam => OptimizerKind.Adam,
                Protos.V1.Optimizer.Rmsprop => OptimizerKind.RmsProp,
                _ => OptimizerKind.Lbfgs,
            },
            LearningRate = o.HasLearningRate ? o.LearningRate : null,
            ContentWeight = o.HasContentWeight ? o.ContentWeight : null,
            StyleWeight = o.HasStyleWeight ? o.StyleWeight : null,
            TotalVariationWeight = o.HasTvWeight ? o.TvWeight : null,
            Preset = preset,
            Init = o.Init switch
            {
                Protos.V1.Init.Noise => InitKind.Noise,
                Protos.V1.Init.Blend => InitKind.Blend,
                _ => InitKind.Content,
            },
            InitNoiseRatio = o.HasInitNoiseRatio ? o.InitNoiseRatio : 0.5,
            Seed = o.Seed,
            PreviewEvery = o.PreviewEvery,
            KeepOriginalColours = o.KeepOriginalColors,
            RelativeTolerance = o.HasRelativeTolerance ? o.RelativeTolerance : new StyleTransferOptions().RelativeTolerance,
            ScaleLevels = Math.Max(1, o.ScaleLevels),
            CoarseIterations = o.CoarseIterations == 0 ? null : o.CoarseIterations,
            Threads = limits.ThreadsPerJob > 0 ? limits.ThreadsPerJob : Math.Max(1, Environment.ProcessorCount / Math.Max(1, limits.ConcurrentJobs)),
        };
        var format = o.OutputFormat switch
        {
            ProtoFormat.Jpeg => ImageFormat.Jpeg,
            ProtoFormat.Webp => ImageFormat.Webp,
            _ => ImageFormat.Png,
        };
        return new StylizeJobSpec(content, style, options, format, o.Quality == 0 ? 92 : o.Quality, width, height);
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
        "Style" or "StyleLayers" or "ContentLayers" => "style",
        _ => "options",
    };

    private static StyleSource ToStyleSource(StylizeRequest request, StyleRegistry registry, StyleGrpcServerOptions limits, double scale)
    {
        switch (request.StyleCase)
        {
            case StylizeRequest.StyleOneofCase.StyleName:
                return new RegisteredStyles([(Existing(registry, request.StyleName, "style_name"), 1.0)]);
            case StylizeRequest.StyleOneofCase.StyleImage:
                return new InlineStyle(StyleRegistry.DecodeImage(request.StyleImage.ToByteArray(), "style_image", limits.MaxPixels), scale);
            case StylizeRequest.StyleOneofCase.Blend:
                var components = request.Blend.Components;
                Require(components.Count >= 1, "blend.components", "needs at least one style");
                Require(components.Count <= 16, "blend.components", "takes at most 16 styles");
                var parts = new List<(string, double)>();
                for (var i = 0; i < components.Count; i++)
                {
                    var weight = components[i].Weight;
                    Require(double.IsFinite(weight) && weight > 0, $"blend.components[{i}].weight", "must be a finite number > 0");
                    parts.Add((Existing(registry, components[i].Style, $"blend.components[{i}].style"), weight));
                }
                return new RegisteredStyles(parts);
            default:
                throw new RequestFieldException("style", "one of style_name, style_image or blend is required");
        }
    }

    private static string Existing(StyleRegistry registry, string name, string field)
    {
        var id = StyleId.FromName(name, field);
        return registry.Exists(id) ? id : throw new StyleNotFoundException(id);
    }

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
