using System.Diagnostics;
using StyleGrpc.Client;
using Xunit.Abstractions;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// A submission lost to a server that is down is tried again by the client library, as the same request (one request_id),
/// until the restarted server answers: the job is stored once.
/// </summary>
public sealed class SubmitRetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SubmitStylize_WhileTheServerRestarts_IsRetriedUntilItAnswers_AndStartsOneJob()
    {
        var data = TestData.NewTempDirectory();
        var port = ServerProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var options = new StyleGrpcClientOptions { Address = new Uri(url), SubmitRetryTimeout = TimeSpan.FromSeconds(60) };
        await using (var first = ServerProcess.Start(dataDirectory: data, url: url))
        {
            using var setup = new StyleGrpcClient(options);
            Assert.True(await ServerTestSetup.EventuallyAsync(() => IsServing(setup), TimeSpan.FromSeconds(60)), string.Join('\n', first.Output));
            await setup.RegisterStyleAsync("starry", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });
        }

        // The server is down when the submission starts; it comes back two seconds later on the same address.
        using var client = new StyleGrpcClient(options);
        var clock = Stopwatch.StartNew();
        var submitting = client.SubmitStylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
            new StylizeOptions { MaxSide = 64, Iterations = 2, RelativeTolerance = 0 });
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(submitting.IsCompleted, "the submission should still be trying while no server listens");
        await using var second = ServerProcess.Start(dataDirectory: data, url: url);
        var submitted = await submitting.WaitAsync(TimeSpan.FromSeconds(90));
        output.WriteLine($"submitted {submitted.Name} after {clock.Elapsed.TotalSeconds:F1} s, the server was down for the first 2 s");

        var done = await client.WaitOperationAsync(submitted.Name, TimeSpan.FromSeconds(60));
        var page = await client.ListOperationsAsync(10);
        Assert.True(done.Done);
        Assert.Equal([submitted.Name], page.Operations.Select(o => o.Name));
    }

    private static bool IsServing(StyleGrpcClient client)
    {
        try
        {
            return client.IsServingAsync().GetAwaiter().GetResult();
        }
        catch (StyleGrpcException)
        {
            return false;
        }
    }
}
