using System.Runtime.Intrinsics.X86;

namespace StyleGrpc.Engine.Networks;

/// <summary>Number format of the network's convolutions. Losses, Gram matrices and the image stay float32.</summary>
public enum Precision
{
    /// <summary>float32 everywhere (the reference; parity with PyTorch is checked in this mode).</summary>
    Float32,

    /// <summary>
    /// bfloat16 weights and activations inside the network, float32 at its outputs. About 1.7× faster
    /// convolutions on CPUs with native bf16 dot products (AVX512-BF16, AMX), slower elsewhere.
    /// </summary>
    BFloat16,

    /// <summary><see cref="BFloat16"/> where the CPU has native bf16 dot products, else <see cref="Float32"/>.</summary>
    Auto,
}

/// <summary>Resolves <see cref="Precision.Auto"/>.</summary>
public static class PrecisionSupport
{
    /// <summary>True when this CPU computes bf16 dot products natively (AVX512-BF16).</summary>
    public static bool HasNativeBFloat16 => Avx10v1.IsSupported || (Avx512F.IsSupported && CpuFlag("avx512_bf16"));

    public static Precision Resolve(Precision requested, TorchSharp.torch.Device device) => requested switch
    {
        Precision.Auto => device.type == TorchSharp.DeviceType.CPU && HasNativeBFloat16 ? Precision.BFloat16 : Precision.Float32,
        _ => requested,
    };

    public static Precision Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "float32" or "fp32" => Precision.Float32,
        "bfloat16" or "bf16" => Precision.BFloat16,
        "auto" => Precision.Auto,
        _ => throw new InvalidStyleOptionException("Precision", $"'{text}' is not one of float32, bfloat16, auto"),
    };

    private static bool CpuFlag(string flag)
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(cpuinfo))
        {
            return false;
        }
        var flags = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        return flags is not null && flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag);
    }
}
