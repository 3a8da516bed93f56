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
}
