namespace StyleGrpc.Engine.Networks;

/// <summary>Identifies the serving network: what it is, where its weights came from, and their hash.</summary>
/// <param name="Name">Short machine name: <c>vgg19</c> or <c>resnet18-onnx</c>.</param>
/// <param name="Description">One line for people, e.g. "VGG19 (torchvision weights)".</param>
/// <param name="WeightsPath">The file the weights were read from.</param>
/// <param name="WeightsSha256">Lower-case hex SHA-256 of that file.</param>
/// <param name="IsOfflineDefault">True when this is the built-in ResNet18 used because no VGG19 weights were configured.</param>
/// <param name="Precision">Number format of the convolutions (never <see cref="Networks.Precision.Auto"/>).</param>
public sealed record NetworkInfo(string Name, string Description, string WeightsPath, string WeightsSha256, bool IsOfflineDefault,
    Precision Precision = Precision.Float32)
{
    /// <summary>A short identity that changes whenever features would change: network name, precision and weights hash prefix.</summary>
    public string Fingerprint => $"{Name}{(Precision == Precision.BFloat16 ? "-bf16" : "")}:{WeightsSha256[..Math.Min(16, WeightsSha256.Length)]}";
}
