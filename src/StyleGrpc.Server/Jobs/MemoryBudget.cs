using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// The memory the running jobs' estimates (<see cref="Engine.RunPlan.EstimatedBytes"/>, worked out by the engine's
/// <see cref="Engine.MemoryModel"/>) may add up to: <see cref="StyleGrpcServerOptions.MemoryBudgetBytes"/>, or
/// <see cref="StyleGrpcServerOptions.MemoryBudgetShare"/> of the machine's (or cgroup's) memory.
/// </summary>
public sealed class MemoryBudget(IOptions<StyleGrpcServerOptions> options)
{
    /// <summary>Memory the running jobs' estimates may add up to, in bytes.</summary>
    public long BudgetBytes { get; } = options.Value.MemoryBudgetBytes > 0
        ? options.Value.MemoryBudgetBytes
        : (long)(options.Value.MemoryBudgetShare * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>
    /// Refuses a job that could never fit the budget, saying what would fit (FAILED_PRECONDITION, <c>JOB_TOO_LARGE</c>): the
    /// one check, made when a job is submitted.
    /// </summary>
    public void Require(JobSpec spec, Engine.StyleTransferEngine engine)
    {
        if (spec.EstimatedBytes <= BudgetBytes)
        {
            return;
        }
        throw spec switch
        {
            StylizeJobSpec { Method: StylizeMethod.Optimization } stylize =>
                new MemoryBudgetExceededException(spec.EstimatedBytes, BudgetBytes, engine.LargestSideWithin(stylize.Plan, BudgetBytes)),
            StylizeJobSpec => new MemoryBudgetExceededException(spec.EstimatedBytes, BudgetBytes, 0, "ask for a smaller options.max_side"),
            _ => new MemoryBudgetExceededException(spec.EstimatedBytes, BudgetBytes, 0, "ask for a smaller image_size or batch_size"),
        };
    }
}
