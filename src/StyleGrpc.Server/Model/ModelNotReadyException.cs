namespace StyleGrpc.Server.Model;

/// <summary>The network is still loading, or failed to load.</summary>
public sealed class ModelNotReadyException(Exception? cause)
    : Exception(cause is null ? "the feature network is still loading" : $"the feature network failed to load: {cause.Message}", cause);
