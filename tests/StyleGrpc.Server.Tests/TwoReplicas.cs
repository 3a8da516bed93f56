namespace StyleGrpc.Server.Tests;

/// <summary>Two ready server processes with the same settings (one Redis, one key prefix), disposed together.</summary>
public sealed class TwoReplicas : IAsyncDisposable
{
    private TwoReplicas(ServerProcess a, ServerProcess b)
    {
        A = a;
        B = b;
    }

    public ServerProcess A { get; }

    public ServerProcess B { get; }

    public static async Task<TwoReplicas> StartAsync(Dictionary<string, string?> settings)
    {
        var a = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        try
        {
            return new TwoReplicas(a, await ServerSteps.ReadyAsync(ServerProcess.Start(settings)));
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>The replica an operation's metadata names (by its gRPC listen address), and the other one.</summary>
    public (ServerProcess Named, ServerProcess Other) Split(string replica) =>
        replica.EndsWith($":{new Uri(A.Address).Port}", StringComparison.Ordinal) ? (A, B) : (B, A);

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
