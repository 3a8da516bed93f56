namespace StyleGrpc.Server.Jobs;

/// <summary>
/// When a running job's next checkpoint is due: <see cref="Settings.StyleGrpcServerOptions.CheckpointSeconds"/> after the
/// last one (or the start), or at once when the job asks for one (<see cref="Job.CheckpointRequested"/>, as a drain does).
/// Stylize runs and trainings keep the same rhythm.
/// </summary>
public sealed class CheckpointSchedule(Job job, TimeSpan every, TimeProvider time)
{
    private long last = time.GetTimestamp();

    /// <summary>True when a checkpoint should be taken now.</summary>
    public bool IsDue => job.CheckpointRequested || time.GetElapsedTime(last) >= every;

    /// <summary>A checkpoint was taken: the next is due <c>every</c> from now.</summary>
    public void Taken() => last = time.GetTimestamp();
}
