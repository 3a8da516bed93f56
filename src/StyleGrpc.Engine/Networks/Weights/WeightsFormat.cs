namespace StyleGrpc.Engine.Networks.Weights;

/// <summary>The weights file formats StyleGrpc reads.</summary>
public enum WeightsFormat
{
    /// <summary><c>torch.save</c> zip archive (PyTorch ≥ 1.6).</summary>
    PyTorchZip,

    /// <summary><c>torch.save</c> legacy pickle stream (torchvision's 2017 <c>vgg19-dcbb9e9d.pth</c>).</summary>
    PyTorchLegacy,

    /// <summary>Hugging Face safetensors.</summary>
    Safetensors,

    /// <summary>TorchSharp's own <c>Module.save</c> format.</summary>
    TorchSharp,
}
