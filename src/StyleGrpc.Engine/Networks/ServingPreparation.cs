using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Networks;

/// <summary>What every feature network does once its weights are in: frozen, converted, placed, laid out.</summary>
internal static class ServingPreparation
{
    /// <summary>
    /// Eval mode and no gradients for the weights; bfloat16 weights when asked; <paramref name="moveToDevice"/>
    /// (the network's own, which also places its normalisation constants); then channels-last weights.
    /// </summary>
    public static void Prepare(nn.Module network, Precision precision, bool channelsLast, Action moveToDevice)
    {
        network.eval();
        foreach (var p in network.parameters())
        {
            p.requires_grad = false;
        }
        if (precision == Precision.BFloat16)
        {
            network.to(ScalarType.BFloat16);
        }
        moveToDevice();
        if (channelsLast)
        {
            ChannelsLast.ConvertWeights(network);
        }
    }
}
