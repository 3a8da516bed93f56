namespace StyleGrpc.Server.Styles;

/// <summary>A style with this ID exists and the request did not ask to replace it.</summary>
public sealed class StyleAlreadyExistsException(string styleId) : Exception($"style '{styleId}' already exists; set replace to overwrite it")
{
    public string StyleId { get; } = styleId;
}
