using System.Text.Json.Serialization;
using StyleGrpc.Engine.FeedForward;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// A validated TrainStyleNetwork request, as it waits in the queue: which style (at which registration), the training's
/// options, the serving network it was checked for and its memory estimate, each worked out once when the request was checked.
/// </summary>
/// <param name="StyleId">The style whose network learns.</param>
/// <param name="StyleVersion">The style's registration (<see cref="Storage.StyleRecord.Version"/>): re-registering it meanwhile fails the training.</param>
/// <param name="Options">The training's options, checked by the trainer.</param>
/// <param name="NetworkFingerprint">The serving (loss) network the training was checked for.</param>
/// <param name="MemoryBytes">The trainer's estimate of a training step's peak memory, in bytes.</param>
public sealed record TrainingJobSpec(string StyleId, long StyleVersion, FeedForwardTrainingOptions Options, string NetworkFingerprint, long MemoryBytes)
    : JobSpec
{
    [JsonIgnore]
    public override JobKind Kind => JobKind.Training;

    [JsonIgnore]
    public override string Network => NetworkFingerprint;

    [JsonIgnore]
    public override long EstimatedBytes => MemoryBytes;

    [JsonIgnore]
    public override int TotalIterations => Options.Iterations;

    public override string Describe() => $"train {StyleId}";
}
