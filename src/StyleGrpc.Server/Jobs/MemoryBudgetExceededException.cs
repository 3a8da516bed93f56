namespace StyleGrpc.Server.Jobs;

/// <summary>A job's estimated peak memory is above the whole budget: it could never run.</summary>
public sealed class MemoryBudgetExceededException(long estimateBytes, long budgetBytes, int largestSide)
    : Exception($"the job needs an estimated {estimateBytes / (1 << 20)} MiB, above the server's memory budget of {budgetBytes / (1 << 20)} MiB; "
                + (largestSide >= 16 ? $"the largest output that fits is max_side {largestSide}" : "no output size fits"))
{
    public long EstimateBytes { get; } = estimateBytes;

    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>The largest <c>options.max_side</c> that would fit with the same settings.</summary>
    public int LargestSide { get; } = largestSide;
}
