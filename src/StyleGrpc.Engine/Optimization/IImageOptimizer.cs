namespace StyleGrpc.Engine.Optimization;

/// <summary>
/// One optimisation algorithm over the image tensor it was created for. Each <see cref="Step"/>
/// evaluates the loss exactly once (through the callback, which leaves the gradient in the image's
/// <c>grad</c>) and then updates the image in place.
/// </summary>
internal interface IImageOptimizer : IDisposable
{
    /// <summary>True once the algorithm finds nothing left to do (L-BFGS's tolerances); the run then stops early.</summary>
    bool Converged { get; }

    /// <summary>Evaluates the loss at the current image and takes one step. Returns the losses before the step.</summary>
    StepLosses Step(Func<StepLosses> evaluate);
}
