using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Optimization;

/// <summary>
/// Adam or RMSprop from TorchSharp over the image. As in the original write-up, the image is clamped
/// to [0, 1] before each step, so the losses reported are those of a valid image.
/// </summary>
internal sealed class TorchOptimizer : IImageOptimizer
{
    private readonly Parameter image;
    private readonly optim.Optimizer optimizer;

    public TorchOptimizer(Parameter image, OptimizerKind kind, double learningRate)
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

    /// <summary>
    /// The optimiser's step count and per-pixel state (Adam: first and second moments; RMSprop: the square average; its
    /// momentum buffer and gradient average stay zero at the defaults used here), copied to the CPU.
    /// </summary>
    public (long Step, float[][] Moments) ExportState()
    {
        using var scope = NewDisposeScope();
        return optimizer switch
        {
            Adam adam when State<Adam.State>(adam) is var s => (s.step, [Copy(s.exp_avg), Copy(s.exp_avg_sq)]),
            RMSProp rms when State<RMSProp.State>(rms) is var s => (s.step, [Copy(s.square_avg)]),
            _ => throw new InvalidOperationException($"no state export for {optimizer.GetType().Name}"),
        };
    }

    /// <summary>Puts state from <see cref="ExportState"/> back (same optimiser kind, moments the image's size).</summary>
    public void ImportState(long step, IReadOnlyList<float[]> moments)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        switch (optimizer)
        {
            case Adam adam when moments.Count == 2:
                var a = State<Adam.State>(adam);
                a.step = step;
                Fill(a.exp_avg, moments[0]);
                Fill(a.exp_avg_sq, moments[1]);
                break;
            case RMSProp rms when moments.Count == 1:
                var r = State<RMSProp.State>(rms);
                r.step = step;
                Fill(r.square_avg, moments[0]);
                break;
            default:
                throw new ArgumentException($"{moments.Count} moments do not fit {optimizer.GetType().Name}", nameof(moments));
        }
    }

    private static T State<T>(OptimizerHelper optimizer) => (T)(object)optimizer.state_dict().State.Single();

    private static float[] Copy(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    private void Fill(Tensor target, float[] values)
    {
        if (values.Length != target.numel())
        {
            throw new ArgumentException($"a moment of {values.Length} values for an image of {target.numel()}", nameof(values));
        }
        target.copy_(tensor(values, target.shape, device: image.device));
    }

    public void Dispose() => optimizer.Dispose();
}
