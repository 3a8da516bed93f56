namespace StyleGrpc.Client;

/// <summary>
/// A submitted video job as a long-running operation (AIP-151), named <c>operations/{job_id}</c>. Once <see cref="Done"/>, it has
/// either a <see cref="Result"/> or an <see cref="Error"/> (the job's failure or cancellation as its gRPC status).
/// </summary>
public sealed record VideoJobOperation(string Name, bool Done, VideoJobStatus Metadata, VideoCompleted? Result, StyleGrpcException? Error)
{
    /// <summary>The job's ID: the operation name without its prefix.</summary>
    public string JobId => JobOperation.IdOf(Name);
}
