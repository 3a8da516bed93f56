using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;

namespace StyleGrpc.Server.Jobs;

/// <summary>A checkpoint of any kind of job: a Stylize run's or a training's (the engine's own formats), or a video job's.</summary>
public sealed record JobCheckpoint
{
    /// <summary>A Stylize run's checkpoint; null for a training.</summary>
    public RunCheckpoint? Run { get; init; }

    /// <summary>A training's checkpoint; null for a Stylize run.</summary>
    public FeedForwardCheckpoint? Training { get; init; }

    /// <summary>A video job's checkpoint (its iterations are frames); null for the other kinds.</summary>
    public Videos.VideoCheckpoint? Video { get; init; }

    /// <summary>The last iteration done (for a video, the frames done).</summary>
    public int Iteration => Run?.Iteration ?? Training?.Iteration ?? Video?.FramesDone ?? 0;

    public void WriteTo(Stream stream)
    {
        if (Run is not null)
        {
            Run.WriteTo(stream);
        }
        else if (Training is not null)
        {
            Training.WriteTo(stream);
        }
        else
        {
            Video?.WriteTo(stream);
        }
    }

    /// <summary>Reads a <paramref name="kind"/> job's checkpoint; <see cref="InvalidDataException"/> when it is damaged or of another format.</summary>
    public static JobCheckpoint ReadFrom(Stream stream, JobKind kind) => kind switch
    {
        JobKind.Training => new JobCheckpoint { Training = FeedForwardCheckpoint.ReadFrom(stream) },
        JobKind.Video => new JobCheckpoint { Video = Videos.VideoCheckpoint.ReadFrom(stream) },
        _ => new JobCheckpoint { Run = RunCheckpoint.ReadFrom(stream) },
    };
}
