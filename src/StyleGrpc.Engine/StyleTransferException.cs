namespace StyleGrpc.Engine;

/// <summary>Base of every error the engine raises on purpose; hosts map these to their own error model.</summary>
public class StyleTransferException : Exception
{
    public StyleTransferException(string message)
        : base(message)
    {
    }

    public StyleTransferException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>An option or input is out of range. <see cref="Field"/> names the offending option.</summary>
public sealed class InvalidStyleOptionException(string field, string message) : StyleTransferException($"{field}: {message}")
{
    /// <summary>Name of the offending option, e.g. <c>Iterations</c>.</summary>
    public string Field { get; } = field;
}

/// <summary>A weights file could not be read or does not fit the network.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : StyleTransferException(message, inner);

/// <summary>The native libtorch runtime could not be loaded.</summary>
public sealed class TorchUnavailableException(string message, Exception? inner = null) : StyleTransferException(message, inner);
