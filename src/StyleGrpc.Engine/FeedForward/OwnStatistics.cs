using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>Plain instance normalisation: every image by its own statistics (training, and untiled serving).</summary>
internal sealed class OwnStatistics : INormalization
{
    public static readonly OwnStatistics Instance = new();

    private OwnStatistics()
    {
    }

    public Tensor? Normalise(int index, InstanceNorm norm, Tensor input) => norm.call(input);
}
