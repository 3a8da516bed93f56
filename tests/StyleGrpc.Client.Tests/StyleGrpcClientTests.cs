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
    }

    [Fact]
    public async Task StylizeAsync_TokenCancelled_StopsServerJob()
    {
        var host = open.Host;
        using var client = Connect(host);
        using var cts = new CancellationTokenSource(Timeout);

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(async () =>
        {
            await foreach (var update in client.StylizeAsync(await File.ReadAllBytesAsync(TestData.Image("tubingen.jpg")), StyleSpec.Registered("starry"),
                new StylizeOptions { MaxSide = 64, Iterations = 5000, RelativeTolerance = 0, Optimizer = OptimizerKind.Adam }, cancellationToken: cts.Token))
            {
                if (update is JobProgress)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0, TimeSpan.FromSeconds(10)));
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

        Assert.Equal("vgg19", info.Network);
        Assert.Equal(256, info.MaxSide);
    }

    [Fact]
    public void RetryPolicy_RetriesUnavailableOnUnaryCallsOnly()
    {
        var config = StyleGrpcChannel.RetryConfig(4)!;
        var method = Assert.Single(config.MethodConfigs);
        Assert.Contains(StatusCode.Unavailable, method.RetryPolicy!.RetryableStatusCodes);
        Assert.DoesNotContain(method.Names, n => n.Method == "Stylize");
        Assert.Contains(method.Names, n => n.Method == "GetStyle");
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
