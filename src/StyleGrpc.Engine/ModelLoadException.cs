namespace StyleGrpc.Engine;

/// <summary>A weights file could not be read or does not fit the network.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : StyleTransferException(message, inner);
