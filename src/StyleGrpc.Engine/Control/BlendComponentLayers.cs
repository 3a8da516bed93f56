using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Engine.Control;

/// <summary>One component of a blended style as the plan sees it (scale control): its weight and its own style layers.</summary>
/// <param name="Weight">Relative weight, a finite number &gt; 0 (weights are normalised to sum to 1).</param>
/// <param name="StyleLayers">This component's style layers and weights; null or empty = the run's style layers.</param>
public sealed record BlendComponentLayers(double Weight, IReadOnlyList<LayerWeight>? StyleLayers = null);
