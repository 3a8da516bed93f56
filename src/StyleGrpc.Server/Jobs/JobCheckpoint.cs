using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;

namespace StyleGrpc.Server.Jobs;

/// <summary>A checkpoint of either kind of job: a Stylize run's or a training's, written and read by the engine's own formats.</summary>
public sealed record JobCheckpoint
{
    /// <summary>A Stylize run's checkpoint; null for a training.</summary>
    public RunCheckpoint? Run { get; init; }

    /// <summary>A training's checkpoint; null for a Stylize run.</summary>
    public FeedForwardCheckpoint? Training { get; init; }

    /// <summary>The last iteration done.</summary>
    public int Iteration => Run?.Iteration ?? Training?.Iteration ?? 0;

    public void WriteTo(Stream stream)
    {
        if (Run is not null)
        {
            Run.WriteTo(stream);
        }
        else
        {
            Training?.WriteTo(stream);
        }
    }

    /// <summary>Reads a <paramref name="kind"/> job's checkpoint; <see cref="InvalidDataException"/> when it is damaged or of another format.</summary>
    public static JobCheckpoint ReadFrom(Stream stream, JobKind kind) => kind == JobKind.Training
        ? new JobCheckpoint { Training = FeedForwardCheckpoint.ReadFrom(stream) }
        : new JobCheckpoint { Run = RunCheckpoint.ReadFrom(stream) };
}
