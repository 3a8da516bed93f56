using Grpc.Core;
using Microsoft.Extensions.Configuration;
using StyleGrpc.Client;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Client.Tests;

/// <summary>The library client against real servers: one open server (with "starry") and one keyed server, shared by the class.</summary>
[Collection(ServerCollection.Name)]
public sealed class StyleGrpcClientTests(OpenServer open, KeyedServer keyed) : IClassFixture<OpenServer>, IClassFixture<KeyedServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static readonly StylizeOptions LongJob = new() { MaxSide = 64, Iterations = 5000, RelativeTolerance = 0, Optimizer = OptimizerKind.Adam };

    private static StyleGrpcClient Connect(ServerHost host, string? apiKey = null) =>
        new(new StyleGrpcClientOptions { Address = new Uri(host.Address), ApiKey = apiKey });

    [Fact]
    public async Task StylizeAsync_YieldsFramesInOrder()
    {
        var host = open.Host;
        using var client = Connect(host);
        using var timeout = new CancellationTokenSource(Timeout);
        var updates = new List<StylizeUpdate>();

        await foreach (var update in client.StylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
            new StylizeOptions { MaxSide = 64, Iterations = 5, PreviewEvery = 5 }, cancellationToken: timeout.Token))
        {
            updates.Add(update);
        }

        Assert.IsType<JobAccepted>(updates[0]);
        Assert.IsType<JobStarted>(updates[1]);
        Assert.All(updates[2..^1], u => Assert.IsType<JobProgress>(u));
        var completed = Assert.IsType<JobCompleted>(updates[^1]);
        Assert.Equal(5, ((JobProgress)updates[^2]).Iteration);
        Assert.NotNull(((JobProgress)updates[^2]).Preview);
        var image = ImageCodec.Decode(completed.Image.Data);
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Equal("vgg19", completed.Reproducibility["network"]);
        Assert.Equal(((JobAccepted)updates[0]).JobId, completed.JobId);
        Assert.Equal("operations/" + completed.JobId, ((JobAccepted)updates[0]).OperationName);
        // Every frame is numbered, in order, none twice.
        Assert.True(updates.Zip(updates.Skip(1)).All(p => p.First.Sequence > 0 && p.First.Sequence < p.Second.Sequence));
    }

    [Fact]
    public async Task StylizeAsync_TokenCancelled_CancelsTheOperation()
    {
        var host = open.Host;
        using var client = Connect(host);
        using var cts = new CancellationTokenSource(Timeout);
        string? name = null;

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(async () =>
        {
            await foreach (var update in client.StylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
                LongJob, cancellationToken: cts.Token))
            {
                name ??= (update as JobAccepted)?.OperationName;
                if (update is JobProgress)
                {
                    await cts.CancelAsync();
                }
            }
        });
        var operation = await client.GetOperationAsync(name!);

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.True(operation.Done);
        Assert.Equal(JobState.Cancelled, operation.Metadata.State);
        Assert.Equal(StatusCode.Cancelled, operation.Error?.StatusCode);
        Assert.Null(operation.Result);
        Assert.True(operation.Metadata.Iteration < 5000);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0, TimeSpan.FromSeconds(10)));
        await client.DeleteOperationAsync(name!);
    }

    [Fact]
    public async Task Operations_SubmitWaitGetListDelete_AsDomainTypes()
    {
        using var client = Connect(open.Host);
        using var timeout = new CancellationTokenSource(Timeout);

        var submitted = await client.SubmitStylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
            new StylizeOptions { MaxSide = 64, Iterations = 4, RelativeTolerance = 0 }, timeout.Token);
        var done = await client.WaitOperationAsync(submitted.Name, Timeout, timeout.Token);
        var got = await client.GetOperationAsync(submitted.JobId, timeout.Token);
        var page = await client.ListOperationsAsync(1, cancellationToken: timeout.Token);
        var all = new List<JobOperation>();
        await foreach (var operation in client.ListAllOperationsAsync(timeout.Token))
        {
            all.Add(operation);
        }
        await client.DeleteOperationAsync(submitted.Name, timeout.Token);
        var gone = await Assert.ThrowsAsync<StyleGrpcException>(() => client.GetOperationAsync(submitted.Name, timeout.Token));

        Assert.Matches("^operations/[0-9a-f]{12}$", submitted.Name);
        Assert.False(submitted.Done);
        Assert.Equal(submitted.JobId, submitted.Metadata.JobId);
        Assert.Equal(1, submitted.Metadata.Attempt);
        Assert.Contains(submitted.Metadata.State, new[] { JobState.Queued, JobState.Running });
        Assert.True(done.Done);
        Assert.Null(done.Error);
        Assert.Equal(JobState.Succeeded, done.Metadata.State);
        Assert.Equal((4, 4), (done.Metadata.Iteration, done.Metadata.TotalIterations));
        Assert.NotNull(done.Metadata.StartTime);
        Assert.True(done.Metadata.EndTime >= done.Metadata.StartTime);
        Assert.Equal(4, done.Result!.IterationsRun);
        Assert.Equal(submitted.JobId, done.Result.JobId);
        Assert.Equal((64, 48), (done.Result.Image.Width, done.Result.Image.Height));
        Assert.Equal(done.Result.Image.Data, got.Result!.Image.Data);
        // Newest first: the one just made heads the first page; the listing leaves results out.
        Assert.Equal(submitted.Name, Assert.Single(page.Operations).Name);
        Assert.Contains(all, o => o.Name == submitted.Name && o.Done && o.Result is null);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task WatchStylizeAsync_FromTheLastSequenceSeen_ContinuesWithoutDuplicatesToTheResult()
    {
        using var client = Connect(open.Host);
        using var timeout = new CancellationTokenSource(Timeout);
        var submitted = await client.SubmitStylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
            new StylizeOptions { MaxSide = 64, Iterations = 6, PreviewEvery = 2, RelativeTolerance = 0 }, timeout.Token);

        var first = new List<StylizeUpdate>();
        await foreach (var update in client.WatchStylizeAsync(submitted.Name, 0, timeout.Token))
        {
            first.Add(update);
            if (first.Count == 3)
            {
                break;
            }
        }
        var rest = new List<StylizeUpdate>();
        await foreach (var update in client.WatchStylizeAsync(submitted.JobId, first[^1].Sequence, timeout.Token))
        {
            rest.Add(update);
        }
        var all = first.Concat(rest).ToList();

        // Leaving the first watch did not cancel the job; the second took up after the last frame seen.
        Assert.Equal(submitted.Name, Assert.IsType<JobAccepted>(first[0]).OperationName);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.Single(all, u => u is JobStarted);
        Assert.Equal(6, all.OfType<JobProgress>().Last().Iteration);
        Assert.Equal(6, Assert.IsType<JobCompleted>(all[^1]).IterationsRun);
        // The operation's record follows the job's frames: it is done by the time a wait returns.
        Assert.Equal(JobState.Succeeded, (await client.WaitOperationAsync(submitted.Name, Timeout, timeout.Token)).Metadata.State);
        await client.DeleteOperationAsync(submitted.Name, timeout.Token);
    }

    [Fact]
    public async Task CancelOperationAsync_RunningJob_EndsCancelledAndItsWatchFailsCancelled()
    {
        using var client = Connect(open.Host);
        using var timeout = new CancellationTokenSource(Timeout);
        var submitted = await client.SubmitStylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
            LongJob, timeout.Token);
        await using var watch = client.WatchStylizeAsync(submitted.Name, 0, timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (await watch.MoveNextAsync() && watch.Current is not JobProgress)
        {
        }
        // The operation's record follows the job's frames a moment later (state first, then the iteration).
        var running = await client.GetOperationAsync(submitted.Name, timeout.Token);
        while (running.Metadata.State != JobState.Running || running.Metadata.Iteration < 1)
        {
            await Task.Delay(50, timeout.Token);
            running = await client.GetOperationAsync(submitted.Name, timeout.Token);
        }
        var refused = await Assert.ThrowsAsync<StyleGrpcException>(() => client.DeleteOperationAsync(submitted.Name, timeout.Token));

        await client.CancelOperationAsync(submitted.Name, timeout.Token);
        var watchEnd = await Assert.ThrowsAsync<StyleGrpcException>(async () => { while (await watch.MoveNextAsync()) { } });
        var cancelled = await client.GetOperationAsync(submitted.Name, timeout.Token);

        Assert.Equal(JobState.Running, running.Metadata.State);
        Assert.False(running.Done);
        Assert.True(running.Metadata.Iteration >= 1);
        Assert.NotEmpty(running.Metadata.Replica);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(StatusCode.Cancelled, watchEnd.StatusCode);
        Assert.True(cancelled.Done);
        Assert.Equal(JobState.Cancelled, cancelled.Metadata.State);
        Assert.Equal(StatusCode.Cancelled, cancelled.Error!.StatusCode);
        await client.DeleteOperationAsync(submitted.Name, timeout.Token);
    }

    [Fact]
    public async Task StylizeToFileAsync_WritesImageAndReportsProgress()
    {
        using var client = Connect(open.Host);
        var output = Path.Combine(TestData.NewTempDirectory(), "out", "result.jpg");
        var reported = new List<StylizeUpdate>();

        var completed = await client.StylizeToFileAsync(TestData.Image("tubingen.jpg"),
            StyleSpec.Inline(await File.ReadAllBytesAsync(TestData.Image("the_scream.jpg"))), output,
            new StylizeOptions { MaxSide = 48, Iterations = 3, Format = OutputFormat.Jpeg }, new SynchronousProgress(reported.Add));

        Assert.Equal(completed.Image.Data, await File.ReadAllBytesAsync(output));
        Assert.Equal(OutputFormat.Jpeg, completed.Image.Format);
        Assert.Contains(reported, u => u is JobStarted);
        Assert.IsType<JobCompleted>(reported[^1]);
    }

    [Fact]
    public async Task Styles_RegisterListGetDelete_FromPathStreamAndBytes()
    {
        using var client = Connect(open.Host);
        await client.RegisterStyleAsync("from-path", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 32, DisplayName = "Path" });
        await using (var stream = File.OpenRead(TestData.Image("the_scream.jpg")))
        {
            await client.RegisterStyleAsync("from-stream", stream, new RegisterStyleOptions { StyleSize = 32 });
        }
        await client.RegisterStyleAsync("from-bytes", await File.ReadAllBytesAsync(TestData.Image("shipwreck.jpg")), new RegisterStyleOptions { StyleSize = 32 });

        var all = new List<StyleInfo>();
        await foreach (var style in client.ListAllStylesAsync())
        {
            all.Add(style);
        }
        // The shared server also holds "starry".
        Assert.Equal(["from-bytes", "from-path", "from-stream", "starry"], all.Select(s => s.Id));
        Assert.Equal("Path", (await client.GetStyleAsync("from-path")).DisplayName);
        await client.DeleteStyleAsync("from-path");
        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.GetStyleAsync("from-path"));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        await client.DeleteStyleAsync("from-stream");
        await client.DeleteStyleAsync("from-bytes");
    }

    [Fact]
    public async Task Errors_CarryStatusAndField()
    {
        using var client = Connect(open.Host);
        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.RegisterStyleAsync("Bad Id", new byte[] { 1, 2, 3 }));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("style_id", ex.Field);
    }

    [Fact]
    public async Task ApiKey_RequiredByServer_IsSentAsBearerToken()
    {
        var host = keyed.Host;
        using var without = Connect(host);
        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => without.GetServerInfoAsync());
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        using var wrong = Connect(host, "nope");
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<StyleGrpcException>(() => wrong.GetServerInfoAsync())).StatusCode);

        using var with = Connect(host, KeyedServer.UserKey);
        Assert.Equal("vgg19", (await with.GetServerInfoAsync()).Network);
        Assert.True(await without.IsServingAsync());
    }

    [Fact]
    public async Task AddStyleGrpcClient_FromConfiguration_ResolvesWorkingClient()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StyleGrpc:Client:Address"] = keyed.Host.Address,
            ["StyleGrpc:Client:ApiKey"] = KeyedServer.AdminKey,
            ["StyleGrpc:Client:UnaryTimeout"] = "00:00:30",
        }).Build();
        var services = new ServiceCollection();
        services.AddStyleGrpcClient(configuration.GetSection("StyleGrpc:Client"));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<StyleGrpcClient>();
        var info = await client.GetServerInfoAsync();
        // Callers depend on the interface (their tests substitute it); the container hands out the same client.
        var byInterface = provider.GetRequiredService<IStyleGrpcClient>();

        Assert.Equal("vgg19", info.Network);
        Assert.Equal(256, info.MaxSide);
        Assert.IsType<StyleGrpcClient>(byInterface);
        Assert.Equal(info.MaxSide, (await byInterface.GetServerInfoAsync()).MaxSide);
    }

    [Fact]
    public void ClientInterface_OffersEveryPublicMethodOfTheClient()
    {
        static string Signature(System.Reflection.MethodInfo m) => $"{m.ReturnType} {m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType))})";
        var client = typeof(StyleGrpcClient).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName).Select(Signature).Order().ToList();
        var contract = typeof(IStyleGrpcClient).GetMethods().Concat(typeof(IDisposable).GetMethods()).Select(Signature).Order().ToList();

        Assert.Equal(client, contract);
    }

    [Fact]
    public void RetryPolicy_RetriesUnavailableOnUnaryCallsOnly()
    {
        var config = StyleGrpcChannel.RetryConfig(4)!;
        var method = Assert.Single(config.MethodConfigs);
        Assert.Contains(StatusCode.Unavailable, method.RetryPolicy!.RetryableStatusCodes);
        Assert.DoesNotContain(method.Names, n => n.Method == "Stylize");
        Assert.Contains(method.Names, n => n.Method == "GetStyle");
        Assert.Contains(method.Names, n => n.Service == "google.longrunning.Operations" && n.Method == "GetOperation");
        Assert.DoesNotContain(method.Names, n => n.Method is "SubmitStylize" or "WatchStylize");
        Assert.Null(StyleGrpcChannel.RetryConfig(1));
    }

    [Fact]
    public async Task UnreachableServer_FailsWithUnavailable()
    {
        using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri("http://127.0.0.1:1"), MaxAttempts = 2 });
        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.GetServerInfoAsync());
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    private sealed class SynchronousProgress(Action<StylizeUpdate> report) : IProgress<StylizeUpdate>
    {
        public void Report(StylizeUpdate value) => report(value);
    }
}
