using System.Diagnostics;
using System.Text.Json;

namespace StyleGrpc.Bench;

/// <summary>
/// The PyTorch reference (bench/reference/pytorch_reference.py) run through Debian's python3-torch.
/// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed for its process only: they slow OpenBLAS, and
/// the comparison should give PyTorch its best.
/// </summary>
internal static class PyTorchReference
{
    public const string Python = "/usr/bin/python3";

    public static string Script => Path.Combine(BenchPaths.RepositoryRoot, "bench", "reference", "pytorch_reference.py");

    public static bool IsAvailable(out string why)
    {
        if (!File.Exists(Python))
        {
            why = "no /usr/bin/python3; run bench/setup.sh";
            return false;
        }
        var (code, output) = Run(["-c", "import torch, torchvision, PIL; print(torch.__version__)"]);
        why = code == 0 ? output.Trim() : "python3-torch is not installed; run bench/setup.sh";
        return code == 0;
    }

    /// <summary>Writes torchvision's VGG19 features with its seeded random init, in the zip .pth format both sides load.</summary>
    public static void MakeWeights(string path)
    {
        var (code, output) = Run([Script, "make-weights", path]);
        if (code != 0)
        {
            throw new InvalidOperationException("make-weights failed: " + output);
        }
    }

    public sealed record Measurement(string Implementation, string Torch, int Threads, int Width, int Height, double MsPerStep);

    public static Measurement Measure(string mode, string optimizer, string weights, string content, string style, int steps, int warmup)
    {
        var (code, output) = Run([Script, "run", "--mode", mode, "--optimizer", optimizer, "--weights", weights, "--content", content, "--style", style,
            "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--warmup", warmup.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--threads", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (code != 0)
        {
            throw new InvalidOperationException($"reference {mode} failed: {output}");
        }
        using var json = JsonDocument.Parse(output.Split('\n').Last(l => l.StartsWith('{')));
        var root = json.RootElement;
        return new Measurement(root.GetProperty("implementation").GetString()!, root.GetProperty("torch").GetString()!, root.GetProperty("threads").GetInt32(),
            root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32(), root.GetProperty("ms_per_step").GetDouble());
    }

    private static (int Code, string Output) Run(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("OPENBLAS_CORETYPE");
        info.Environment.Remove("OPENBLAS_L2_SIZE");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
