namespace StyleGrpc.Server.Errors;

/// <summary>A request field is invalid; becomes INVALID_ARGUMENT naming <see cref="Field"/> (proto field path, e.g. <c>options.iterations</c>).</summary>
public sealed class RequestFieldException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}
