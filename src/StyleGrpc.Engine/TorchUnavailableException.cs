namespace StyleGrpc.Engine;

/// <summary>The native libtorch runtime could not be loaded.</summary>
public sealed class TorchUnavailableException(string message, Exception? inner = null) : StyleTransferException(message, inner);
