namespace StyleGrpc.Client;

/// <summary>A blend of registered styles whose components may have their own style layers (scale control).</summary>
/// <param name="Components">Two or more components.</param>
public sealed record LayeredStyleBlendSpec(IReadOnlyList<BlendComponent> Components) : StyleSpec;
