using StyleGrpc.Engine.Optimization;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>The loss of one run, evaluated at any image: whole (<see cref="StyleObjective"/>) or tile by tile (<see cref="TiledStyleObjective"/>).</summary>
internal interface IStyleObjective
{
    double ContentWeight { get; }

    double StyleWeight { get; }

    bool StyleWeightAutomatic { get; }

    double TotalVariationWeight { get; }

    /// <summary>Evaluates the weighted loss at <paramref name="image"/>; with <paramref name="backward"/>, leaves its gradient in <c>image.grad</c>.</summary>
    StepLosses Evaluate(Tensor image, bool backward);
}
