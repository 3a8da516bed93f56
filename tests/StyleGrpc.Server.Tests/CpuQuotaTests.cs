extern alias server;

using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// ThreadsPerJob=0 follows the container's CPU quota, not the node's cores: the cgroup files as a container sees them, written
/// into a temporary folder (build/container-check.sh checks the real thing: an image run with --cpus 1 runs 1 thread).
/// </summary>
public sealed class CpuQuotaTests : IDisposable
{
    private readonly string root = TestData.NewTempDirectory();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Theory]
    [InlineData("150000 100000\n", 1.5)]
    [InlineData("100000 100000\n", 1.0)]
    [InlineData("50000 100000", 0.5)]
    [InlineData("400000 100000\n", 4.0)]
    public void Read_CgroupV2CpuMax_IsQuotaOverPeriod(string cpuMax, double cpus)
    {
        Write("cpu.max", cpuMax);
        Assert.Equal(cpus, CpuQuota.Read(root)!.Value, precision: 9);
    }

    [Theory]
    [InlineData("max 100000\n")]
    [InlineData("garbage")]
    public void Read_CgroupV2WithoutALimit_IsNoQuota(string cpuMax)
    {
        Write("cpu.max", cpuMax);
        Assert.Null(CpuQuota.Read(root));
    }

    [Theory]
    [InlineData("cpu", "100000", 1.0)]
    [InlineData("cpu,cpuacct", "250000", 2.5)]
    [InlineData("cpu", "-1", null)]
    public void Read_CgroupV1_IsCfsQuotaOverPeriod_MinusOneMeaningNone(string controller, string quota, double? cpus)
    {
        Write(Path.Combine(controller, "cpu.cfs_quota_us"), quota + "\n");
        Write(Path.Combine(controller, "cpu.cfs_period_us"), "100000\n");
        Assert.Equal(cpus, CpuQuota.Read(root));
    }

    [Fact]
    public void Read_NoCgroupFiles_IsNoQuota() => Assert.Null(CpuQuota.Read(root));

    [Theory]
    [InlineData(1.5, 8, 2)]
    [InlineData(0.5, 8, 1)]
    [InlineData(1.0, 8, 1)]
    [InlineData(2.0000001, 8, 3)]
    [InlineData(16.0, 4, 4)]
    [InlineData(null, 4, 4)]
    public void Processors_RoundsAFractionalQuotaUp_NeverAboveTheProcessorCount(double? quota, int processorCount, int processors) =>
        Assert.Equal(processors, CpuQuota.Processors(quota, processorCount));

    [Theory]
    [InlineData(0, 1, 2, 2)]
    [InlineData(0, 2, 4, 2)]
    [InlineData(0, 2, 3, 1)]
    [InlineData(0, 4, 2, 1)]
    [InlineData(3, 1, 1, 3)]
    public void ThreadsPerJob_ZeroSharesTheUsableCpusAmongConcurrentJobs_AtLeastOne_ASetValueWins(int configured, int concurrentJobs, int processors, int threads) =>
        Assert.Equal(threads, CpuQuota.ThreadsPerJob(configured, concurrentJobs, processors));

    [Fact]
    public void Available_OnThisMachine_IsNeverAboveProcessorCount() =>
        Assert.InRange(CpuQuota.Available, 1, Environment.ProcessorCount);
}
