namespace StyleGrpc.Engine;

/// <summary>An option or input is out of range. <see cref="Field"/> names the offending option.</summary>
public sealed class InvalidStyleOptionException(string field, string message) : StyleTransferException($"{field}: {message}")
{
    /// <summary>Name of the offending option, e.g. <c>Iterations</c>.</summary>
    public string Field { get; } = field;
}
