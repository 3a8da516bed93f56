using System.Globalization;

namespace StyleGrpc.Server.Settings;

/// <summary>
/// The CPUs this process may use, and the intra-op threads a job gets when <see cref="StyleGrpcServerOptions.ThreadsPerJob"/>
/// is 0. A container's CPU limit is a cgroup quota (cgroup v2 <c>cpu.max</c>, or v1 <c>cpu.cfs_quota_us</c> over
/// <c>cpu.cfs_period_us</c>); a pod limited to 1.5 CPUs on a 64-core node gets 2, not 64, so its jobs are not throttled.
/// .NET's <see cref="Environment.ProcessorCount"/> already applies that quota, rounded up, and the CPU affinity (documented
/// for Linux, and measured in a container with <c>--cpus 1</c>: docs/operations.md); reading the quota here as well keeps the
/// rule in one place and holds where the runtime's own detection is overridden (<c>DOTNET_PROCESSOR_COUNT</c>) or misses.
/// </summary>
public static class CpuQuota
{
    /// <summary>Where a container sees its own cgroups.</summary>
    public const string CgroupRoot = "/sys/fs/cgroup";

    private static readonly Lazy<double?> Limit = new(() => Read(CgroupRoot));

    /// <summary>The quota of this process's cgroup in CPUs (1.5 for <c>150000 100000</c>), or null when it has none; read once.</summary>
    public static double? Quota => Limit.Value;

    /// <summary>The CPUs this process may use: <see cref="Processors"/> of <see cref="Quota"/> and <see cref="Environment.ProcessorCount"/>.</summary>
    public static int Available => Processors(Quota, Environment.ProcessorCount);

    /// <summary>Threads for one job on this process's CPUs: <see cref="ThreadsPerJob(int, int, int)"/> with <see cref="Available"/>.</summary>
    public static int ThreadsPerJob(int configured, int concurrentJobs) => ThreadsPerJob(configured, concurrentJobs, Available);

    /// <summary>
    /// Threads for one job: <paramref name="configured"/> when it is set (above 0), else the usable CPUs shared by the jobs
    /// that run at once, at least 1.
    /// </summary>
    public static int ThreadsPerJob(int configured, int concurrentJobs, int processors) =>
        configured > 0 ? configured : Math.Max(1, processors / Math.Max(1, concurrentJobs));

    /// <summary>A quota rounded up to whole CPUs (a fraction of a CPU still needs a thread), never above <paramref name="processorCount"/>.</summary>
    public static int Processors(double? quota, int processorCount) =>
        quota is { } cpus ? Math.Clamp((int)Math.Ceiling(cpus - 1e-9), 1, Math.Max(1, processorCount)) : Math.Max(1, processorCount);

    /// <summary>
    /// The CPU quota under <paramref name="cgroupRoot"/>: cgroup v2's <c>cpu.max</c> ("max" = none), else cgroup v1's
    /// <c>cpu/cpu.cfs_quota_us</c> over <c>cpu.cfs_period_us</c> (-1 = none); null when neither says.
    /// </summary>
    public static double? Read(string cgroupRoot)
    {
        if (ReadLine(Path.Combine(cgroupRoot, "cpu.max")) is { } max)
        {
            var parts = max.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 ? Ratio(parts[0], parts[1]) : null;
        }
        foreach (var controller in new[] { "cpu", "cpu,cpuacct" })
        {
            var directory = Path.Combine(cgroupRoot, controller);
            if (ReadLine(Path.Combine(directory, "cpu.cfs_quota_us")) is { } quota
                && ReadLine(Path.Combine(directory, "cpu.cfs_period_us")) is { } period)
            {
                return Ratio(quota, period);
            }
        }
        return null;
    }

    private static double? Ratio(string quota, string period) =>
        long.TryParse(quota, NumberStyles.Integer, CultureInfo.InvariantCulture, out var q) && q > 0
        && long.TryParse(period, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0
            ? (double)q / p
            : null;

    private static string? ReadLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
