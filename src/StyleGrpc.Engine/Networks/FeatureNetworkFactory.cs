namespace StyleGrpc.Engine.Networks;

/// <summary>Loads the network a host should serve: VGG19 when its weights are configured, else the offline ResNet18.</summary>
public static class FeatureNetworkFactory
{
    public static IFeatureNetwork Load(FeatureNetworkOptions options)
    {
        var device = TorchRuntime.ResolveDevice(options.Device);
        if (!string.IsNullOrWhiteSpace(options.Vgg19WeightsPath))
        {
            if (!File.Exists(options.Vgg19WeightsPath))
            {
                throw new ModelLoadException($"{options.Vgg19WeightsPath}: VGG19 weights file not found");
            }
            return Vgg19Network.Load(options.Vgg19WeightsPath, options.Vgg19DeepestLayer, options.Vgg19Pooling, device, options.Vgg19Sha256, options.Precision);
        }
        return ResNet18Network.Load(options.OfflineModelPath, device, options.Precision);
    }
}
