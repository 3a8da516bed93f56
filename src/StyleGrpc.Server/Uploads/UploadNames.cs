using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace StyleGrpc.Server.Uploads;

/// <summary>Upload names: <c>uploads/{id}</c>, IDs being 24 lower-case hex digits (96 random bits).</summary>
public static partial class UploadNames
{
    /// <summary>Prefix of every upload name.</summary>
    public const string Prefix = "uploads/";

    /// <summary>A new, unguessable upload ID.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The name of an upload.</summary>
    public static string Of(string id) => Prefix + id;

    /// <summary>The ID in <paramref name="name"/>, or null when it is not an upload name this server issues.</summary>
    public static string? Id(string? name) =>
        name is not null && name.StartsWith(Prefix, StringComparison.Ordinal) && IdPattern().IsMatch(name.AsSpan(Prefix.Length))
            ? name[Prefix.Length..]
            : null;

    [GeneratedRegex("^[0-9a-f]{24}$")]
    private static partial Regex IdPattern();
}
