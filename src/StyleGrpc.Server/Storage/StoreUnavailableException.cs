namespace StyleGrpc.Server.Storage;

/// <summary>The style store cannot be reached (Redis down, network partition); the call can be retried.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
