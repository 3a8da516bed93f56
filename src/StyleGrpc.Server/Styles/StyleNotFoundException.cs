namespace StyleGrpc.Server.Styles;

/// <summary>No style has this ID.</summary>
public sealed class StyleNotFoundException(string styleId) : Exception($"style '{styleId}' not found")
{
    public string StyleId { get; } = styleId;
}
