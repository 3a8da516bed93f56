namespace StyleGrpc.Server.Operations;

/// <summary>Who asks about operations: the API key's ID, and whether it sees every key's (an admin key, or no keys configured).</summary>
public sealed record OperationCaller(string Id, bool SeesAll)
{
    /// <summary>Whether the operation of <paramref name="record"/> is visible to this caller.</summary>
    public bool Sees(JobRecord record) => SeesAll || string.Equals(record.Caller, Id, StringComparison.Ordinal);
}
