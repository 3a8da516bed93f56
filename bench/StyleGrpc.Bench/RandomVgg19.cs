using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace StyleGrpc.Bench;

/// <summary>Writes a VGG19 <c>features</c> state dict with random weights (torchvision keys and shapes) to a temp safetensors file.</summary>
internal static class RandomVgg19
{
    private static readonly int[] Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    public static string Write()
    {
        using var scope = NewDisposeScope();
        var dict = new Dictionary<string, Tensor>();
        var index = 0;
        var inChannels = 3;
        foreach (var width in Config)
        {
            if (width == 0)
            {
                index++;
                continue;
            }
            dict[$"features.{index}.weight"] = randn(width, inChannels, 3, 3) * Math.Sqrt(2.0 / (9 * width));
            dict[$"features.{index}.bias"] = zeros(width);
            inChannels = width;
            index += 2;
        }
        var path = Path.Combine(Path.GetTempPath(), $"stylegrpc-bench-vgg19-{Environment.ProcessId}.safetensors");
        Safetensors.SaveStateDict(path, dict);
        return path;
    }
}
