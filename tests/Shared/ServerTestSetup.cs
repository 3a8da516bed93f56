using System.Runtime.CompilerServices;

namespace StyleGrpc.Tests.Shared;

public static class ServerTestSetup
{
    // On 2 cores the thread pool ramps up slowly; a first stream could stall a second. Tests must not depend on that.
    [ModuleInitializer]
    internal static void Initialize() => ThreadPool.SetMinThreads(8, 8);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        return condition();
    }
}

/// <summary>Tests that start real servers share the CPU; run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerCollection
{
    public const string Name = "server";
}
