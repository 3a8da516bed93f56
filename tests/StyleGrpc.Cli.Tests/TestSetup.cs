using System.Runtime.CompilerServices;

namespace StyleGrpc.Cli.Tests;

internal static class TestSetup
{
    [ModuleInitializer]
    internal static void Initialize() => ThreadPool.SetMinThreads(8, 8);
}

/// <summary>Tests start real servers that share the CPU; run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerCollection
{
    public const string Name = "server";
}
