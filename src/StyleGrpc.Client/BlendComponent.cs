namespace StyleGrpc.Client;

/// <summary>
/// One component of a blend with its own style layers (scale control), e.g. the coarse layers of one painting and the fine
/// ones of another (<see cref="StyleSpec.BlendWithLayers"/>).
/// </summary>
/// <param name="Id">The registered style's ID.</param>
/// <param name="Weight">Relative weight, &gt; 0.</param>
/// <param name="StyleLayers">Its style layers and weights; null or empty = the job's.</param>
public sealed record BlendComponent(string Id, double Weight, IReadOnlyList<(string Layer, double Weight)>? StyleLayers = null);
