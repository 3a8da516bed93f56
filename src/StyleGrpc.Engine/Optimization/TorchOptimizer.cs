using static TorchSharp.torch;

namespace StyleGrpc.Engine.Optimization;

/// <summary>
/// Adam or RMSprop from TorchSharp over the image. As in the original write-up, the image is clamped
/// to [0, 1] before each step, so the losses reported are those of a valid image.
/// </summary>
internal sealed class TorchOptimizer : IImageOptimizer
{
    private readonly TorchSharp.Modules.Parameter image;
    private readonly optim.Optimizer optimizer;

    public TorchOptimizer(TorchSharp.Modules.Parameter image, OptimizerKind kind, double learningRate)
    {
        this.image = image;
        optimizer = kind switch
        {
            OptimizerKind.Adam => optim.Adam([image], lr: learningRate),
            OptimizerKind.RmsProp => optim.RMSProp([image], lr: learningRate),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    public bool Converged => false;

    public StepLosses Step(Func<StepLosses> evaluate)
    {
        using (no_grad())
        {
            image.clamp_(Scalars.Zero, Scalars.One);
        }
        // The objective zeroes the gradient itself before its backward pass.
        var losses = evaluate();
        optimizer.step();
        return losses;
    }

    public void Dispose() => optimizer.Dispose();
}
