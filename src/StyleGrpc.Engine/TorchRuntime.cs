using System.Runtime.InteropServices;
using TorchSharp;

namespace StyleGrpc.Engine;

/// <summary>Where tensors live. <see cref="Auto"/> picks CUDA when libtorch reports it, else the CPU.</summary>
public enum DevicePreference
{
    Auto,
    Cpu,
    Cuda,
}

/// <summary>
/// Loads libtorch once, with one clear error when it cannot, and resolves the device to run on.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool loaded;

    /// <summary>Makes sure libtorch is loaded; throws <see cref="TorchUnavailableException"/> naming the cause.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (loaded)
            {
                return;
            }
            var nativeProblem = ProbeNativeLibrary();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception ex)
            {
                throw new TorchUnavailableException(
                    "libtorch could not be loaded" + (nativeProblem is null ? $": {ex.Message}" : $": {nativeProblem}") +
                    ". On Linux with an older libstdc++ (GLIBCXX < 3.4.32) the build patches libLibTorchSharp.so; " +
                    "rebuild or republish so the patch runs (see docs/torchsharp-loading.md).",
                    ex);
            }
            TuneAllocator();
            MklCpuDispatch.Apply();
            loaded = true;
        }
    }

    private static void TuneAllocator()
    {
        if (!EngineTuning.KeepFreedMemory || !OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            const int mmapThreshold = -3, trimThreshold = -1;
            _ = mallopt(mmapThreshold, 1 << 30);
            _ = mallopt(trimThreshold, int.MaxValue);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, say): keep its allocator as it is.
        }
    }

    /// <summary>
    /// Hands the memory the allocator keeps free back to the system (glibc's <c>malloc_trim</c>; nothing elsewhere). With
    /// <see cref="EngineTuning.KeepFreedMemory"/> freed buffers stay mapped, which an optimisation loop reusing the same
    /// sizes wants, but a pass whose buffers change size from step to step (a tiled feed-forward pass: windows of several
    /// sizes, each run up to a different layer) fragments that memory and the process grows with the number of steps.
    /// Calling this between such steps keeps the peak at one step's: 4096×3072 in tiles of 512 peaked at 2,254 MiB without
    /// it and 801 MiB with it (docs/performance.md, "Feed-forward").
    /// </summary>
    public static void ReturnFreedMemory()
    {
        if (!EngineTuning.KeepFreedMemory || !OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = malloc_trim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: its allocator was left as it is.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    /// <summary>Resolves a preference to a concrete device. Asking for CUDA where it is missing is an error.</summary>
    public static torch.Device ResolveDevice(DevicePreference preference)
    {
        EnsureLoaded();
        var cuda = torch.cuda.is_available();
        return preference switch
        {
            DevicePreference.Cpu => torch.CPU,
            DevicePreference.Cuda when cuda => torch.CUDA,
            DevicePreference.Cuda => throw new TorchUnavailableException(
                "device 'cuda' was requested but libtorch reports no CUDA device; build with -p:StyleGrpcDevice=cuda on a machine with an NVIDIA driver, or use 'cpu'/'auto'."),
            _ => cuda ? torch.CUDA : torch.CPU,
        };
    }

    // The dynamic loader's own message ("version `GLIBCXX_3.4.32' not found") is the real cause;
    // TorchSharp's exception hides it behind a message about missing package references.
    private static string? ProbeNativeLibrary()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", "libLibTorchSharp.so"),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
        };
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }
        try
        {
            var handle = NativeLibrary.Load(path);
            NativeLibrary.Free(handle);
            return null;
        }
        catch (DllNotFoundException ex)
        {
            return ex.Message;
        }
    }
}
