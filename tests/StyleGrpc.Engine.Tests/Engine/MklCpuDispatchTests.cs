using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Engine;

[Collection(TorchCollection.Name)]
public sealed class MklCpuDispatchTests
{
    [Fact]
    public void Status_MatchesThisCpu()
    {
        var (_, ebx, _, _) = X86Base.IsSupported ? X86Base.CpuId(0, 0) : (0, 0, 0, 0);
        var intel = ebx == 0x756E6547;
        var eligible = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && !intel && Avx512F.IsSupported;
        Assert.Equal(eligible, MklCpuDispatch.Applied);
        Assert.StartsWith(eligible ? "applied" : "not", MklCpuDispatch.Status);
    }

    [Fact]
    public void MatrixProduct_AfterDispatch_MatchesDoublePrecision()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        // The Gram shape: few rows, long inner dimension.
        var f = randn(4096, 64);
        var single = f.t().mm(f);
        var reference = f.to(ScalarType.Float64).t().mm(f.to(ScalarType.Float64));
        var error = (single.to(ScalarType.Float64) - reference).abs().max().item<double>();
        Assert.True(error < 1e-5 * reference.abs().max().item<double>(), $"max error {error}");
    }
}
