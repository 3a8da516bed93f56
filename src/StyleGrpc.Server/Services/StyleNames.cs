using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Services;

/// <summary>Style IDs and resource names (<c>styles/{id}</c>) in requests, checked with the field they came in.</summary>
public static class StyleNames
{
    public const string Prefix = "styles/";

    /// <summary>Checks an ID, or throws <see cref="RequestFieldException"/> naming <paramref name="field"/>.</summary>
    public static string Validate(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestFieldException(field, "is required");
        }
        return StyleId.IsValid(id) ? id : throw new RequestFieldException(field, $"'{id}' must match {StyleId.PatternText}");
    }

    /// <summary>Accepts <c>styles/{id}</c> or a bare ID.</summary>
    public static string FromName(string? name, string field) =>
        Validate(name is not null && name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name, field);

    public static string ToName(string id) => Prefix + id;
}
