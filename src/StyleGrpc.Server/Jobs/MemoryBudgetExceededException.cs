namespace StyleGrpc.Server.Jobs;

/// <summary>A job's estimated peak memory is above the whole budget: it could never run.</summary>
/// <param name="estimateBytes">The job's estimate.</param>
/// <param name="budgetBytes">The whole budget.</param>
/// <param name="largestSide">The largest output side that would fit (a Stylize job); below 16 when none does.</param>
/// <param name="hint">What to change instead, for jobs without an output side (a training); null = the output side.</param>
public sealed class MemoryBudgetExceededException(long estimateBytes, long budgetBytes, int largestSide, string? hint = null)
    : Exception($"the job needs an estimated {estimateBytes / (1 << 20)} MiB, above the server's memory budget of {budgetBytes / (1 << 20)} MiB; "
                + (hint ?? (largestSide >= 16 ? $"the largest output that fits is max_side {largestSide}" : "no output size fits")))
{
    public long EstimateBytes { get; } = estimateBytes;

    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>The largest <c>options.max_side</c> that would fit with the same settings.</summary>
    public int LargestSide { get; } = largestSide;
}
