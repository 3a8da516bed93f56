using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>--json</c> output: one JSON object (or array) per command on standard output, camelCase, enums as camelCase strings,
/// times as ISO 8601; what scripts parse instead of the tables people read.
/// </summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The option every printing command takes.</summary>
    public static Option<bool> Option() => new("--json") { Description = "Print JSON (for scripts) instead of a table" };

    public static Task WriteAsync(CliContext context, object value) => context.Output.WriteLineAsync(JsonSerializer.Serialize(value, Options));
}
