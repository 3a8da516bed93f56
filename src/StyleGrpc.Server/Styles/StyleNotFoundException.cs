namespace StyleGrpc.Server.Styles;

/// <summary>No style has this ID. <see cref="Field"/> names the request field that named it when that is not the obvious one (a region's).</summary>
public sealed class StyleNotFoundException(string styleId, string? field = null)
    : Exception(field is null ? $"style '{styleId}' not found" : $"{field}: style '{styleId}' not found")
{
    public string StyleId { get; } = styleId;

    /// <summary>The request field that named the style, e.g. <c>regions[1].style_name</c>; null for the request's own style.</summary>
    public string? Field { get; } = field;
}
