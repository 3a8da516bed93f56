using System.Text.RegularExpressions;

namespace StyleGrpc.Server.Operations;

/// <summary>Operation names: <c>operations/{job_id}</c>, job IDs being 12 lower-case hex digits.</summary>
public static partial class OperationNames
{
    /// <summary>Prefix of every operation name.</summary>
    public const string Prefix = "operations/";

    /// <summary>The operation name of a job.</summary>
    public static string Of(string jobId) => Prefix + jobId;

    /// <summary>The job ID in <paramref name="name"/>, or null when it is not an operation name this server issues.</summary>
    public static string? JobId(string? name) =>
        name is not null && name.StartsWith(Prefix, StringComparison.Ordinal) && JobIdPattern().IsMatch(name.AsSpan(Prefix.Length))
            ? name[Prefix.Length..]
            : null;

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex JobIdPattern();
}
