namespace StyleGrpc.Engine.Optimization;

/// <summary>The weighted loss terms of one evaluation. <see cref="Content"/> and <see cref="Style"/> are unweighted sums over layers.</summary>
public readonly record struct StepLosses(double Content, double Style, double TotalVariation, double Total)
{
    /// <summary>
    /// Unweighted temporal loss of a video frame (<see cref="TemporalGuide"/>): <c>(1/D) Σ c(x)·(x − ω)²</c> over pixels in
    /// [0, 1]; 0 without a guide.
    /// </summary>
    public double Temporal { get; init; }
}
