using System.Text.RegularExpressions;

namespace StyleGrpc.Server.Styles;

/// <summary>Style IDs: <c>[a-z0-9][a-z0-9-_.]{0,62}</c>.</summary>
public static partial class StyleId
{
    /// <summary>The pattern, for messages.</summary>
    public const string PatternText = "[a-z0-9][a-z0-9-_.]{0,62}";

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);
}
