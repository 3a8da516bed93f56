using System.Runtime.CompilerServices;

namespace StyleGrpc.Engine.Tests;

internal static class TestSetup
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        // On 2 cores the thread pool ramps up slowly; tests must not depend on that.
        ThreadPool.SetMinThreads(8, 8);
        TorchRuntime.EnsureLoaded();
    }
}

/// <summary>Tensor tests share libtorch state and dispose-scope statistics: run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
