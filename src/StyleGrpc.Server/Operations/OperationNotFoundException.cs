namespace StyleGrpc.Server.Operations;

/// <summary>No operation of this name is visible to the caller (unknown, deleted, expired, or another key's).</summary>
public sealed class OperationNotFoundException(string name) : Exception($"operation '{name}' not found")
{
    public string Name { get; } = name;
}
