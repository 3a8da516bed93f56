using System.Diagnostics;
using System.Text.Json;

namespace StyleGrpc.Bench;

/// <summary>
/// Runs this benchmark again as a child process (so a measurement's peak RSS is its own) and reads the JSON object it prints
/// last on stdout.
/// </summary>
internal static class ChildRun
{
    public static T Measure<T>(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(ChildRun).Assembly.Location);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        // Both pipes at once: libtorch can write enough warnings to stderr to fill its pipe while stdout is being read.
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"child failed ({process.ExitCode}): {stderr.Result}{stdout}");
        return JsonSerializer.Deserialize<T>(line)!;
    }
}
