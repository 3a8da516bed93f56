namespace StyleGrpc.Server.Jobs;

/// <summary>What a job does: the kinds share the scheduler, memory budget, job store, checkpoints and operations.</summary>
public enum JobKind
{
    /// <summary>A Stylize request (<see cref="StylizeJobSpec"/>); the default of records stored before there were kinds.</summary>
    Stylize,

    /// <summary>A style's feed-forward network learns (<see cref="TrainingJobSpec"/>).</summary>
    Training,

    /// <summary>A video is stylised frame by frame (<see cref="VideoJobSpec"/>).</summary>
    Video,
}
