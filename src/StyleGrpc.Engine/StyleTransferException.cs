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
