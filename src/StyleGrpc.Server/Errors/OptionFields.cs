using System.Text.RegularExpressions;

namespace StyleGrpc.Server.Errors;

/// <summary>
/// The one table from the engine's option names (<see cref="Engine.InvalidStyleOptionException.Field"/>) to the Stylize
/// request's proto fields, so an error the engine finds names the field the caller set: <c>Iterations</c> →
/// <c>options.iterations</c>, <c>StyleLayers[1].Weight</c> → <c>options.style_layers[1].weight</c>.
/// </summary>
public static partial class OptionFields
{
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["MaxSide"] = "options.max_side",
        ["Iterations"] = "options.iterations",
        ["Optimizer"] = "options.optimizer",
        ["LearningRate"] = "options.learning_rate",
        ["ContentWeight"] = "options.content_weight",
        ["StyleWeight"] = "options.style_weight",
        ["TotalVariationWeight"] = "options.tv_weight",
        ["Preset"] = "options.preset",
        ["ContentLayers"] = "options.content_layers",
        ["StyleLayers"] = "options.style_layers",
        ["Init"] = "options.init",
        ["InitNoiseRatio"] = "options.init_noise_ratio",
        ["PreviewEvery"] = "options.preview_every",
        ["RelativeTolerance"] = "options.relative_tolerance",
        ["ScaleLevels"] = "options.scale_levels",
        ["CoarseIterations"] = "options.coarse_iterations",
        ["TileSize"] = "options.tile_size",
        ["ColourControl"] = "options.color_control",
        ["Regions"] = "regions",
        ["BlendComponents"] = "blend.components",
        ["Content"] = "content_image",
        ["Style"] = "style",
        ["Layer"] = "layer",
        ["Weight"] = "weight",
    };

    // Names inside a message (after the first part): the option's own names where they differ from the snake-case rule.
    private static readonly Dictionary<string, string> Nested = new(StringComparer.Ordinal)
    {
        ["StyleLayers"] = "style_layers",
        ["Mask"] = "mask",
        ["Style"] = "style",
    };

    // The trainer's option names (FeedForwardTrainingOptions) to TrainStyleNetworkRequest's fields.
    private static readonly Dictionary<string, string> TrainingFields = new(StringComparer.Ordinal)
    {
        ["Iterations"] = "iterations",
        ["ImageSize"] = "image_size",
        ["BatchSize"] = "batch_size",
        ["ContentWeight"] = "content_weight",
        ["StyleWeight"] = "style_weight",
        ["StabilityWeight"] = "stability_weight",
    };

    /// <summary>The TrainStyleNetworkRequest field a trainer option name stands for; <c>name</c> (the style) for one the caller cannot set.</summary>
    public static string TrainingField(string trainerOption) => TrainingFields.GetValueOrDefault(trainerOption) ?? "name";

    /// <summary>The proto field an engine option name stands for; <c>options</c> for one the caller cannot set.</summary>
    public static string ProtoField(string engineOption) =>
        string.Join('.', engineOption.Split('.').Select((part, i) =>
        {
            var match = Indexed().Match(part);
            var name = match.Success ? match.Groups[1].Value : part;
            var field = i == 0 ? Fields.GetValueOrDefault(name) ?? "options" : Nested.GetValueOrDefault(name) ?? Fields.GetValueOrDefault(name) ?? name.ToLowerInvariant();
            return match.Success ? $"{field}[{match.Groups[2].Value}]" : field;
        }));

    [GeneratedRegex(@"^(\w+)\[(\d+)\]$")]
    private static partial Regex Indexed();
}
