using System.Diagnostics;
using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// StylizeAsync across a server's death: a real server process is killed (SIGKILL) mid-job and a new one started on the same
/// port and data directory; the new one resumes the job and the same enumeration re-attaches by itself.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ReattachTests
{
    [Fact]
    public async Task StylizeAsync_ServerKilledAndRestartedMidJob_ReattachesAndEndsWithTheResultWithoutDuplicates()
    {
        var data = TestData.NewTempDirectory();
        var url = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        var settings = new Dictionary<string, string?> { ["StyleGrpc:CheckpointSeconds"] = "1" };
        var first = ServerProcess.Start(settings, data, url);
        ServerProcess? second = null;
        try
        {
            using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(url), ReattachTimeout = TimeSpan.FromSeconds(90) });
            Assert.True(await ServerTestSetup.EventuallyAsync(() => Serving(client), TimeSpan.FromSeconds(60)), string.Join('\n', first.Output));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var updates = new List<StylizeUpdate>();
            var clock = Stopwatch.StartNew();
            var killedAt = TimeSpan.Zero;

            await foreach (var update in client.StylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")),
                StyleSpec.Inline(await File.ReadAllBytesAsync(TestData.Image("starry_night.jpg"))),
                new StylizeOptions { MaxSide = 128, Iterations = 600, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0 }, cancellationToken: timeout.Token))
            {
                updates.Add(update);
                if (second is null && updates.OfType<JobProgress>().Count() == 5)
                {
                    killedAt = clock.Elapsed;
                    first.Signal(9);
                    await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    second = ServerProcess.Start(settings, data, url);
                }
            }

            var accepted = Assert.IsType<JobAccepted>(updates[0]);
            var completed = Assert.IsType<JobCompleted>(updates[^1]);
            Assert.NotNull(second);
            Assert.True(first.HasExited);
            // One enumeration: every frame once, in order, across both processes; the resumed attempt started again.
            Assert.True(updates.Zip(updates.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence),
                string.Join(",", updates.Select(u => u.Sequence)));
            Assert.Equal(2, updates.Count(u => u is JobStarted));
            Assert.Equal(accepted.JobId, completed.JobId);
            Assert.Equal(128, Math.Max(completed.Image.Width, completed.Image.Height));
            // The operation's record follows the frames a moment later: wait for it.
            var operation = await client.WaitOperationAsync(accepted.OperationName, TimeSpan.FromSeconds(30), timeout.Token);
            Assert.Equal(JobState.Succeeded, operation.Metadata.State);
            Assert.Equal(2, operation.Metadata.Attempt);
            Assert.True(clock.Elapsed > killedAt);
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    private static bool Serving(StyleGrpcClient client)
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
}
