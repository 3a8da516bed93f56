using System.Text.Json.Serialization;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// A job's checked request, as it waits in the queue and as the job store keeps it: what the scheduler, the memory budget
/// and the job store need of either kind. Stored as its own type's JSON; <see cref="Kind"/> (kept in the job's record) says
/// which type to read it back as.
/// </summary>
public abstract record JobSpec
{
    /// <summary>Which kind of job this is.</summary>
    [JsonIgnore]
    public abstract JobKind Kind { get; }

    /// <summary>Fingerprint of the serving network the job was checked for; replicas serving another network never run it.</summary>
    [JsonIgnore]
    public abstract string Network { get; }

    /// <summary>Estimated peak memory of its run, in bytes, held against the memory budget.</summary>
    [JsonIgnore]
    public abstract long EstimatedBytes { get; }

    /// <summary>Iterations it runs at most.</summary>
    [JsonIgnore]
    public abstract int TotalIterations { get; }

    /// <summary>
    /// How the images in the job's frames (previews, a result image) are encoded; null for a job without frames (a
    /// training: its operation's metadata and the style say all).
    /// </summary>
    [JsonIgnore]
    public virtual (Engine.Imaging.ImageFormat Format, int Quality)? FrameImages => null;

    /// <summary>Short description for logs.</summary>
    public abstract string Describe();
}
