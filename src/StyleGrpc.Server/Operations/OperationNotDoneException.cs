namespace StyleGrpc.Server.Operations;

/// <summary>The operation has not ended, so it cannot be deleted (cancel it first).</summary>
public sealed class OperationNotDoneException(string name)
    : Exception($"operation '{name}' has not ended; CancelOperation stops it, DeleteOperation only removes ended operations")
{
    public string Name { get; } = name;
}
