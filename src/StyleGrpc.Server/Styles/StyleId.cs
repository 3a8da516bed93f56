using System.Text.RegularExpressions;
using StyleGrpc.Server.Services;

namespace StyleGrpc.Server.Styles;

/// <summary>Style IDs: <c>[a-z0-9][a-z0-9-_.]{0,62}</c>; resource names <c>styles/{id}</c>.</summary>
public static partial class StyleId
{
    public const string Prefix = "styles/";

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>Checks an ID, or throws <see cref="RequestFieldException"/> naming <paramref name="field"/>.</summary>
    public static string Validate(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestFieldException(field, "is required");
        }
        return IsValid(id) ? id : throw new RequestFieldException(field, $"'{id}' must match [a-z0-9][a-z0-9-_.]{{0,62}}");
    }

    /// <summary>Accepts <c>styles/{id}</c> or a bare ID.</summary>
    public static string FromName(string? name, string field) =>
        Validate(name is not null && name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name, field);

    public static string ToName(string id) => Prefix + id;
}
