namespace StyleGrpc.Engine;

/// <summary>An option or input is out of range. <see cref="Field"/> names the offending option, <see cref="Reason"/> says why.</summary>
public sealed class InvalidStyleOptionException(string field, string reason) : StyleTransferException($"{field}: {reason}")
{
    /// <summary>Name of the offending option, e.g. <c>Iterations</c> or <c>StyleLayers[1].Weight</c>.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with it, without the option's name, e.g. <c>must be between 1 and 5000</c>.</summary>
    public string Reason { get; } = reason;
}
