namespace StyleGrpc.Engine.Optimization;

/// <summary>The weighted loss terms of one evaluation. <see cref="Content"/> and <see cref="Style"/> are unweighted sums over layers.</summary>
public readonly record struct StepLosses(double Content, double Style, double TotalVariation, double Total);
