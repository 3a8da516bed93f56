namespace StyleGrpc.Server.Errors;

/// <summary>
/// The request is well formed but the system is not in the state it needs (a style without a ready network, a server
/// without training photos); becomes FAILED_PRECONDITION, naming <see cref="Field"/> when a field decides it.
/// </summary>
public sealed class PreconditionFailedException(string? field, string message) : Exception(field is null ? message : $"{field}: {message}")
{
    /// <summary>The request field whose value needs the missing state (proto field path), if one does.</summary>
    public string? Field { get; } = field;
}
