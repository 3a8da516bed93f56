using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace StyleGrpc.Engine;

/// <summary>
/// Lets the MKL inside libtorch use its AVX-512 kernels on non-Intel CPUs that have AVX-512.
/// </summary>
/// <remarks>
/// libtorch's matrix products (the Gram matrices, a third of a step) run on the oneMKL it links
/// statically. MKL picks its kernels by CPU vendor first: on an AMD CPU with AVX-512 (Zen 4, Zen 5) it
/// falls back to its AVX2 kernels, half the width the hardware has (oneDNN's convolutions, which
/// check features instead, do use AVX-512). MKL asks <c>mkl_serv_intel_cpu_true</c>, which answers
/// from a cached flag (−1 until first asked). This class finds that function in the loaded library,
/// checks that its code is the expected "load cached flag, return it if not negative" sequence, and
/// sets the flag to 1 before any matrix product runs. MKL still checks each instruction set itself,
/// so only kernels the CPU supports run. Nothing is written when the code does not match (another
/// libtorch build), on Intel CPUs (already 1), or on CPUs without AVX-512 (nothing to gain).
/// Measured: Gram products 2.2× faster on this machine's AMD EPYC (docs/performance.md).
/// </remarks>
public static class MklCpuDispatch
{
    /// <summary>What was done at load, for logs and server info.</summary>
    public static string Status { get; private set; } = "not applied (libtorch not loaded yet)";

    /// <summary>True when MKL was told to use its Intel (AVX-512) kernels on this non-Intel CPU.</summary>
    public static bool Applied { get; private set; }

    internal static void Apply()
    {
        if (!EngineTuning.MklAvx512OnNonIntel)
        {
            Status = "off (EngineTuning.MklAvx512OnNonIntel = false)";
            return;
        }
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Status = "not applicable (not Linux x64)";
            return;
        }
        if (IsIntel())
        {
            Status = "not needed (Intel CPU: MKL picks its best kernels itself)";
            return;
        }
        if (!Avx512F.IsSupported)
        {
            Status = "not applicable (no AVX-512 on this CPU)";
            return;
        }
        try
        {
            Applied = TrySetIntelFlag(out var status);
            Status = status;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Status = $"not applied ({ex.Message})";
        }
    }

    private static unsafe bool TrySetIntelFlag(out string status)
    {
        // Only the copy libtorch already loaded counts: RTLD_NOLOAD never loads a second one.
        const int lazy = 0x1, noLoad = 0x4;
        var handle = dlopen("libtorch_cpu.so", lazy | noLoad);
        if (handle == 0)
        {
            status = "not applied (libtorch_cpu.so is not loaded)";
            return false;
        }
        try
        {
            var function = dlsym(handle, "mkl_serv_intel_cpu_true");
            if (function == 0)
            {
                status = "not applied (this libtorch has no mkl_serv_intel_cpu_true)";
                return false;
            }
            // mov eax, [rip+disp32]; test eax, eax; js +1; ret
            var code = new ReadOnlySpan<byte>((void*)function, 11);
            if (code[0] != 0x8B || code[1] != 0x05 || code[6] != 0x85 || code[7] != 0xC0 || code[8] != 0x78 || code[10] != 0xC3)
            {
                status = "not applied (mkl_serv_intel_cpu_true is not the code this was written for)";
                return false;
            }
            var flag = (int*)((byte*)function + 6 + BitConverter.ToInt32(code[2..6]));
            *flag = 1;
            status = "applied (MKL uses its AVX-512 kernels on this non-Intel CPU)";
            return true;
        }
        finally
        {
            _ = dlclose(handle);
        }
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint dlopen(string file, int mode);

    [DllImport("libc", EntryPoint = "dlsym")]
    private static extern nint dlsym(nint handle, string name);

    [DllImport("libc", EntryPoint = "dlclose")]
    private static extern int dlclose(nint handle);

    private static bool IsIntel()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E; // "GenuineIntel"
    }
}
