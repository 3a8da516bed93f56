namespace StyleGrpc.Bench;

internal static class BenchPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        var lines = File.Exists(cpuinfo) ? File.ReadLines(cpuinfo).TakeWhile(l => l.Length > 0).ToList() : [];
        string? Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        var flags = (Field("flags") ?? "").Split(' ');
        var simd = string.Join(", ", new[] { "avx2", "avx512f", "avx512_bf16", "amx_bf16" }.Where(flags.Contains));
        return $"{Field("model name") ?? "unknown"} (family {Field("cpu family") ?? "?"}, model {Field("model") ?? "?"}; {simd}), {Environment.ProcessorCount} cores, MKL dispatch: {StyleGrpc.Engine.MklCpuDispatch.Status}";
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MiB.</summary>
    public static double PeakRssMb() => ReadStatus("VmHWM:");

    /// <summary>Current resident set size (VmRSS), in MiB.</summary>
    public static double RssMb() => ReadStatus("VmRSS:");

    private static double ReadStatus(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return double.NaN;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StyleGrpc.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
