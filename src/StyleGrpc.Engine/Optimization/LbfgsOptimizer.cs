using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Optimization;

/// <summary>
/// L-BFGS over the image, the same algorithm as <c>torch.optim.LBFGS</c> without line search: the
/// two-loop recursion over the last <c>history</c> (s, y) pairs, a first step scaled by
/// min(1, 1/‖g‖₁), and a fixed step size afterwards. PyTorch splits iterations into
/// <c>.step(closure)</c> calls of <c>max_iter</c>; each call re-evaluates the point the last one
/// ended on, which is exactly the next evaluation here, so one <see cref="Step"/> is one L-BFGS
/// iteration and the sequence of evaluated points is PyTorch's.
/// With <c>clampPixels</c> the image is clamped to [0, 1] before each evaluation, the curvature
/// pairs use the step actually taken, and the history restarts whenever the loss rises; this keeps
/// every evaluated image valid without the divergence plain clamping causes (docs/engine.md).
/// </summary>
/// A known <c>curvature</c> (the inverse-Hessian scale s·y/y·y, e.g. from a coarser level of the same run) replaces that
/// cautious first step with a step along −curvature·g.
internal sealed class LbfgsOptimizer(TorchSharp.Modules.Parameter image, double learningRate, int historySize = 100,
    bool clampPixels = false, double? curvature = null, double toleranceGrad = 1e-7, double toleranceChange = 1e-9) : IImageOptimizer
{
    private double? firstStepCurvature = curvature;
    private readonly List<(Tensor S, Tensor Y, double Rho)> history = [];
    private Tensor? direction;
    private Tensor? previousGrad;
    private Tensor? previousImage;
    private double previousLoss = double.NaN;
    private double stepSize;
    private double hessianDiagonal = 1;
    private int iteration;

    public bool Converged { get; private set; }

    /// <summary>The inverse-Hessian scale of the latest accepted curvature pair; null before the first one.</summary>
    public double? Curvature { get; private set; }


    public StepLosses Step(Func<StepLosses> evaluate)
    {
        if (clampPixels)
        {
            // As the PyTorch tutorial's closure does: evaluate only valid images.
            using (no_grad())
            {
                image.clamp_(Scalars.Zero, Scalars.One);
            }
        }
        var losses = evaluate();
        if (Converged)
        {
            return losses;
        }
        using var grad = image.grad!.reshape(-1);
        if (clampPixels && iteration > 0 && losses.Total > previousLoss)
        {
            // The last step made things worse: clamping can break the curvature model L-BFGS built, and
            // without this restart it diverged (loss 2.8e2 at iteration 100 on the offline default,
            // from 0.66 with it). Start over from a scaled steepest-descent step.
            foreach (var (hs, hy, _) in history)
            {
                hs.Dispose();
                hy.Dispose();
            }
            history.Clear();
            iteration = 0;
            hessianDiagonal = 1;
            if (firstStepCurvature is not null && Curvature is { } measured)
            {
                firstStepCurvature = measured;
            }
        }
        // The loss-change test waits for the first quasi-Newton step: PyTorch's first step is scaled by 1/|g|₁, which on a
        // print-size image (millions of pixels) moves the loss by less than the tolerance and would end the run at once
        // (seen at 4096×3072: stopped after 2 iterations with the content unchanged). Small images never stop that early,
        // so the PyTorch parity is kept.
        if (grad.abs().max().item<float>() <= toleranceGrad || (iteration >= 2 && Math.Abs(losses.Total - previousLoss) < toleranceChange))
        {
            Converged = true;
            return losses;
        }
        iteration++;
        var warm = iteration == 1 ? firstStepCurvature : null;
        Tensor newDirection;
        if (iteration > 1)
        {
            newDirection = TwoLoopDirection(grad);
        }
        else
        {
            using var scale = (-(warm ?? 1.0)).ToScalar();
            newDirection = grad.mul(scale);
        }
        Replace(ref direction, newDirection);
        Replace(ref previousGrad, grad.clone());
        Replace(ref previousImage, image.detach().reshape(-1).clone());
        previousLoss = losses.Total;
        stepSize = iteration == 1 && warm is null ? Math.Min(1.0, 1.0 / grad.abs().sum().item<float>()) * learningRate : learningRate;
        var directionalDerivative = grad.dot(direction!).item<float>();
        if (directionalDerivative > -toleranceChange)
        {
            Converged = true;
            return losses;
        }
        using (no_grad())
        {
            using var step = stepSize.ToScalar();
            image.add_(direction!.view_as(image), alpha: step);
        }
        if (direction!.abs().max().item<float>() * stepSize <= toleranceChange)
        {
            Converged = true;
        }
        return losses;
    }

    private Tensor TwoLoopDirection(Tensor grad)
    {
        var y = grad - previousGrad!;
        // The step actually taken: d·t, or less where clamping cut it, so the (s, y) pairs stay
        // consistent with the points evaluated (without clamping this is exactly PyTorch's d·t).
        using var step = stepSize.ToScalar();
        var s = clampPixels ? image.detach().reshape(-1) - previousImage! : direction! * step;
        var ys = y.dot(s).item<float>();
        if (ys > 1e-10)
        {
            if (history.Count == historySize)
            {
                history[0].S.Dispose();
                history[0].Y.Dispose();
                history.RemoveAt(0);
            }
            history.Add((s.DetachFromDisposeScope(), y.DetachFromDisposeScope(), 1.0 / ys));
            hessianDiagonal = ys / y.dot(y).item<float>();
            Curvature = hessianDiagonal;
        }
        var alphas = new double[history.Count];
        var q = grad.neg();
        for (var i = history.Count - 1; i >= 0; i--)
        {
            alphas[i] = history[i].S.dot(q).item<float>() * history[i].Rho;
            using var alpha = (-alphas[i]).ToScalar();
            q.add_(history[i].Y, alpha: alpha);
        }
        using var diagonal = hessianDiagonal.ToScalar();
        var r = q.mul_(diagonal);
        for (var i = 0; i < history.Count; i++)
        {
            var beta = history[i].Y.dot(r).item<float>() * history[i].Rho;
            using var alpha = (alphas[i] - beta).ToScalar();
            r.add_(history[i].S, alpha: alpha);
        }
        return r;
    }

    private static void Replace(ref Tensor? field, Tensor value)
    {
        field?.Dispose();
        field = value.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var (s, y, _) in history)
        {
            s.Dispose();
            y.Dispose();
        }
        history.Clear();
        direction?.Dispose();
        previousGrad?.Dispose();
        previousImage?.Dispose();
    }
}
