namespace StyleGrpc.Server.Operations;

/// <summary>What <see cref="IJobStore.CreateAsync"/> did.</summary>
public enum JobCreation
{
    /// <summary>The job is stored.</summary>
    Created,

    /// <summary>Nothing stored: the caller already has as many unfinished jobs as it may.</summary>
    CallerAtCap,

    /// <summary>Nothing stored: another job of the caller was created with the same request ID meanwhile.</summary>
    RequestTaken,
}
