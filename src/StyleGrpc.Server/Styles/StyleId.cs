using System.Text.RegularExpressions;
using StyleGrpc.Server.Errors;

namespace StyleGrpc.Server.Styles;

/// <summary>
/// The style ID rule, <c>[a-z0-9][a-z0-9_.\-]{0,62}</c>, and resource names (<c>styles/{id}</c>): the one place both live;
/// requests are checked here with the field they came in, and the server info hands the rule to clients and the web page.
/// </summary>
public static partial class StyleId
{
    /// <summary>The prefix of a style's resource name.</summary>
    public const string Prefix = "styles/";

    /// <summary>
    /// The pattern an ID matches in full, for messages and clients; written so .NET, ECMAScript and HTML <c>pattern</c>
    /// attributes (compiled with the <c>v</c> flag, where a bare <c>-</c> in a class is an error) all read it alike.
    /// </summary>
    public const string PatternText = @"[a-z0-9][a-z0-9_.\-]{0,62}";

    /// <summary>The longest ID, in characters (1 + the pattern's 62).</summary>
    public const int MaxLength = 63;

    [GeneratedRegex("^" + PatternText + "$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>Checks an ID, or throws <see cref="RequestFieldException"/> naming <paramref name="field"/>.</summary>
    public static string Validate(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestFieldException(field, "is required");
        }
        return IsValid(id) ? id : throw new RequestFieldException(field, $"'{id}' must match {PatternText}");
    }

    /// <summary>Accepts <c>styles/{id}</c> or a bare ID.</summary>
    public static string FromName(string? name, string field) =>
        Validate(name is not null && name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name, field);

    public static string ToName(string id) => Prefix + id;
}
