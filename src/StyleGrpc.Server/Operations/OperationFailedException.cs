namespace StyleGrpc.Server.Operations;

/// <summary>A watched operation ended with an error: the call ends with the operation's own status.</summary>
public sealed class OperationFailedException(Google.Rpc.Status status) : Exception(status.Message)
{
    public Google.Rpc.Status Status { get; } = status;
}
