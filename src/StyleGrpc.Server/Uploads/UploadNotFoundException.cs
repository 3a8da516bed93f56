namespace StyleGrpc.Server.Uploads;

/// <summary>No upload of this name is visible to the caller (unknown, expired, or another caller's); NOT_FOUND naming <see cref="Field"/>.</summary>
public sealed class UploadNotFoundException(string field, string name) : Exception($"{field}: upload '{name}' not found (unknown, expired or another caller's)")
{
    public string Field { get; } = field;

    public string Name { get; } = name;
}
