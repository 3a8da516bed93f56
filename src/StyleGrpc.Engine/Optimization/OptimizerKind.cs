namespace StyleGrpc.Engine.Optimization;

/// <summary>How the image is optimised.</summary>
public enum OptimizerKind
{
    /// <summary>L-BFGS as in PyTorch (no line search, history 100, learning rate 1). Fewest steps; the default.</summary>
    Lbfgs,

    /// <summary>Adam (PyTorch defaults, learning rate 0.02 unless set). Pixels are clamped to [0, 1] before each step.</summary>
    Adam,

    /// <summary>RMSprop (PyTorch defaults: learning rate 0.01, alpha 0.99). The original write-up's choice; pixels clamped before each step.</summary>
    RmsProp,
}
