using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Seeded initial weights: PyTorch's default convolution initialisation (weights and biases uniform in ±1/√fan-in, i.e.
/// Kaiming-uniform with a = √5), drawn from a generator of our own so that concurrent trainings do not share libtorch's
/// global one; normalisation scales 1 and shifts 0.
/// </summary>
internal static class StyleNetworkInitialisation
{
    public static void Apply(StyleNetwork network, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed, CPU);
        foreach (var (name, parameter) in network.named_parameters())
        {
            if (name.Contains(".in", StringComparison.Ordinal) || name.StartsWith("in", StringComparison.Ordinal))
            {
                if (name.EndsWith("weight", StringComparison.Ordinal))
                {
                    parameter.fill_(Scalars.One);
                }
                else
                {
                    parameter.zero_();
                }
                continue;
            }
            var fanIn = name.EndsWith("weight", StringComparison.Ordinal)
                ? parameter.shape[1] * parameter.shape[2] * parameter.shape[3]
                : FanInOfBias(network, name);
            var bound = 1.0 / Math.Sqrt(fanIn);
            using var low = (-bound).ToScalar();
            using var width = (2 * bound).ToScalar();
            parameter.copy_(rand(parameter.shape, generator: generator).mul_(width).PlusInPlace(low));
        }
    }

    private static long FanInOfBias(StyleNetwork network, string biasName)
    {
        var weight = network.named_parameters().Single(p => p.name == biasName[..^"bias".Length] + "weight").parameter;
        return weight.shape[1] * weight.shape[2] * weight.shape[3];
    }
}
