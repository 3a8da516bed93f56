using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// Client-side balancing over real replicas: two server processes on the same port of two loopback addresses
/// (127.0.0.1 and 127.0.0.2), one name that resolves to both (an /etc/hosts entry the test adds and removes; the tests
/// run as root), and a <c>dns:///</c> address.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BalancingTests
{
    [Fact]
    public async Task DnsAddress_SpreadsCallsAndRetriesAFullReplicaOnAnother()
    {
        var port = ServerProcess.FreePort();
        var name = $"stylegrpc-fleet-{Guid.NewGuid():N}".Substring(0, 30) + ".test";
        using var hosts = HostsEntry.Add(name, "127.0.0.1", "127.0.0.2");
        var full = new Dictionary<string, string?> { ["StyleGrpc:QueueCapacity"] = "0" };
        await using var a = ServerProcess.Start(full, url: $"http://127.0.0.1:{port}");
        await using var b = ServerProcess.Start(full, url: $"http://127.0.0.2:{port}");
        using var direct = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(a.Address) });
        using var toB = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(b.Address) });
        Assert.True(await ServerTestSetup.EventuallyAsync(() => Ready(direct) && Ready(toB), TimeSpan.FromSeconds(60)), string.Join('\n', a.Output.Concat(b.Output)));
        var content = await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg"));
        var style = await File.ReadAllBytesAsync(TestData.Image("starry_night.jpg"));

        // Replica A is busy with a long job and has no queue: every job sent there is refused at once.
        using var busy = new CancellationTokenSource();
        var longJob = direct.StylizeAsync(content, StyleSpec.Inline(style),
            new StylizeOptions { MaxSide = 64, Iterations = 5000, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0 }, cancellationToken: busy.Token)
            .GetAsyncEnumerator(busy.Token);
        Assert.True(await longJob.MoveNextAsync());

        using var fleet = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri($"dns:///{name}:{port}"), StylizeAttempts = 4 });
        for (var i = 0; i < 6; i++)
        {
            JobCompleted? completed = null;
            await foreach (var update in fleet.StylizeAsync(content, StyleSpec.Inline(style), new StylizeOptions { MaxSide = 64, Iterations = 2 }))
            {
                completed = update as JobCompleted ?? completed;
            }
            Assert.NotNull(completed);
        }

        // Round robin sent some calls to A, which refused them; each was retried and completed on B.
        Assert.True(await a.MetricAsync("stylegrpc_jobs_total", "outcome=\"refused_queue_full\"") >= 1, "no call reached replica A: the address did not balance");
        Assert.Equal(0, await a.MetricAsync("stylegrpc_jobs_total", "outcome=\"completed\""));
        Assert.Equal(6, await b.MetricAsync("stylegrpc_jobs_total", "outcome=\"completed\""));
        await busy.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () => { while (await longJob.MoveNextAsync()) { } });
    }

    private static bool Ready(StyleGrpcClient client)
    {
        try
        {
            return client.IsServingAsync().Wait(TimeSpan.FromSeconds(5)) && client.IsServingAsync().Result;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    /// <summary>Lines added to /etc/hosts for one test and removed after.</summary>
    private sealed class HostsEntry : IDisposable
    {
        private const string Path = "/etc/hosts";
        private readonly string[] lines;

        private HostsEntry(string[] lines) => this.lines = lines;

        public static HostsEntry Add(string name, params string[] addresses)
        {
            var lines = addresses.Select(a => $"{a} {name} # stylegrpc test").ToArray();
            File.AppendAllLines(Path, lines);
            return new HostsEntry(lines);
        }

        public void Dispose() => File.WriteAllLines(Path, File.ReadAllLines(Path).Where(l => !lines.Contains(l)));
    }
}
