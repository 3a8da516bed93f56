namespace StyleGrpc.Engine.Networks;

/// <summary>Which feature network to load.</summary>
public sealed record FeatureNetworkOptions
{
    /// <summary>
    /// VGG19 weights file (torchvision <c>vgg19-dcbb9e9d.pth</c>, a zip <c>.pth</c>, <c>.safetensors</c> or
    /// TorchSharp file). When null or empty, the offline default ResNet18 serves.
    /// </summary>
    public string? Vgg19WeightsPath { get; init; }

    /// <summary>Optional SHA-256 (or prefix, e.g. <c>dcbb9e9d</c>) the VGG19 file must match.</summary>
    public string? Vgg19Sha256 { get; init; }

    /// <summary>Deepest VGG19 layer kept. Default <c>relu5_1</c> (the deepest the presets use).</summary>
    public string Vgg19DeepestLayer { get; init; } = "relu5_1";

    /// <summary>VGG19 pooling. Default max, as trained.</summary>
    public PoolingKind Vgg19Pooling { get; init; } = PoolingKind.Max;

    /// <summary>ONNX file of the offline default; null = the one packaged next to the application.</summary>
    public string? OfflineModelPath { get; init; }

    /// <summary>Number format of the convolutions. Default float32.</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Device preference. Default auto (CUDA when available).</summary>
    public DevicePreference Device { get; init; } = DevicePreference.Auto;
}
