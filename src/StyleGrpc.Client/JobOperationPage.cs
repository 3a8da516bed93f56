namespace StyleGrpc.Client;

/// <summary>One page of <see cref="StyleGrpcClient.ListOperationsAsync"/>, newest first; results are not included (get the operation for them).</summary>
public sealed record JobOperationPage(IReadOnlyList<JobOperation> Operations, string? NextPageToken);
