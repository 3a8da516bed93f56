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
    public async Task StylizeAsync_ServerKilledAfterACheckpoint_ResumesFromItAndTheSameEnumerationEndsWithTheResult()
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
            var checkpointAtKill = 0;

            await foreach (var update in client.StylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")),
                StyleSpec.Inline(await File.ReadAllBytesAsync(TestData.Image("starry_night.jpg"))),
                new StylizeOptions { MaxSide = 128, Iterations = 600, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0 }, cancellationToken: timeout.Token))
            {
                updates.Add(update);
                // Killed once a checkpoint is stored, so the next process has something to resume from.
                if (second is null && update is JobProgress && updates.OfType<JobProgress>().Count() >= 5
                    && (await client.GetOperationAsync(((JobAccepted)updates[0]).OperationName, timeout.Token)).Metadata.CheckpointIteration is > 0 and var checkpoint)
                {
                    checkpointAtKill = checkpoint;
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
            // The second attempt went on from a stored checkpoint (the one seen before the kill, or a later one), not from the start:
            // its progress starts after it (a re-attached watcher may get only the latest progress kept), and each attempt's
            // iterations only go up.
            Assert.InRange(operation.Metadata.ResumedFromIteration, Math.Max(1, checkpointAtKill), 599);
            var restarted = updates.FindLastIndex(u => u is JobStarted);
            var before = updates.Take(restarted).OfType<JobProgress>().Select(p => p.Iteration).ToList();
            var after = updates.Skip(restarted).OfType<JobProgress>().Select(p => p.Iteration).ToList();
            Assert.InRange(after[0], operation.Metadata.ResumedFromIteration + 1, 600);
            Assert.All([before, after], iterations => Assert.True(iterations.Zip(iterations.Skip(1)).All(p => p.First < p.Second), string.Join(",", iterations)));
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
