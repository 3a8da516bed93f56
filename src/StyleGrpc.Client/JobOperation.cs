namespace StyleGrpc.Client;

/// <summary>
/// A submitted Stylize job as a long-running operation (AIP-151), named <c>operations/{job_id}</c>. Once <see cref="Done"/>, it has
/// either a <see cref="Result"/> or an <see cref="Error"/> (the job's failure or cancellation as its gRPC status). <see cref="Kind"/> says
/// what the job does: a video job's <see cref="Metadata"/> counts frames as iterations (<see cref="JobStatus.Iteration"/> = frames done
/// of <see cref="JobStatus.TotalIterations"/>) and its result is read with <see cref="StyleGrpcClient.GetVideoJobAsync"/>
/// (<see cref="Result"/> stays null); a training's with <see cref="StyleGrpcClient.GetTrainingAsync"/>.
/// </summary>
public sealed record JobOperation(string Name, bool Done, JobStatus Metadata, JobCompleted? Result, StyleGrpcException? Error, JobKind Kind = JobKind.Image)
{
    /// <summary>Prefix of every operation name.</summary>
    public const string NamePrefix = "operations/";

    /// <summary>The job's ID: the operation name without its prefix.</summary>
    public string JobId => IdOf(Name);

    /// <summary>The job ID of an operation name (a bare ID as it is).</summary>
    public static string IdOf(string name) => name.StartsWith(NamePrefix, StringComparison.Ordinal) ? name[NamePrefix.Length..] : name;

    /// <summary>The operation name of <paramref name="nameOrId"/>: an operation name as it is, a bare job ID with the prefix.</summary>
    public static string NameOf(string nameOrId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrId);
        return nameOrId.StartsWith(NamePrefix, StringComparison.Ordinal) ? nameOrId : NamePrefix + nameOrId;
    }
}
