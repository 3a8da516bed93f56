namespace StyleGrpc.Engine;

/// <summary>
/// A host's limits that a plan is checked against on top of the engine's own ranges (<see cref="StyleTransferEngine.Plan"/>).
/// The defaults are the engine's own ranges: no host limit.
/// </summary>
public sealed record RunLimits
{
    /// <summary>Largest output side, in pixels. Default 8192 (the engine's range).</summary>
    public int MaxSide { get; init; } = StyleTransferEngine.MaxSideLimit;

    /// <summary>Most iterations per level. Default 100000 (the engine's range).</summary>
    public int MaxIterations { get; init; } = StyleTransferEngine.MaxIterationsLimit;

    /// <summary>Most previews a run may send; 0 = no limit. Default 0.</summary>
    public int MaxPreviews { get; init; }

    /// <summary>
    /// Memory a run's estimate should stay within, in bytes; 0 = no budget. Tiled L-BFGS runs get the history that fits it
    /// (at least <see cref="MemoryModel.MinimumHistory"/>); whether the run fits at all is the host's decision
    /// (<see cref="RunPlan.EstimatedBytes"/>).
    /// </summary>
    public long MemoryBudgetBytes { get; init; }

    /// <summary>Most regions a run may have. Default 16 (<see cref="StyleTransferEngine.MaxRegionsLimit"/>, the engine's range).</summary>
    public int MaxRegions { get; init; } = StyleTransferEngine.MaxRegionsLimit;
}
