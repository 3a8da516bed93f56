extern alias server;

using Grpc.Core;
using Grpc.Health.V1;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;
using server::StyleGrpc.Server.Model;

namespace StyleGrpc.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class StylizeTests
{
    [Fact]
    public async Task Stylize_RegisteredStyle_StreamsFramesInOrderAndReturnsImage()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request(iterations: 6);
        request.Options.PreviewEvery = 3;

        var frames = await Frames.CollectAsync(host.Client, request);

        var kinds = frames.Select(f => f.FrameCase).ToList();
        Assert.Equal(StylizeResponse.FrameOneofCase.Accepted, kinds[0]);
        Assert.Equal(StylizeResponse.FrameOneofCase.Started, kinds[1]);
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, kinds[^1]);
        Assert.All(kinds[2..^1], k => Assert.Equal(StylizeResponse.FrameOneofCase.Progress, k));
        var progress = frames.Where(f => f.Progress is not null).Select(f => f.Progress).ToList();
        Assert.Equal(6, progress[^1].Iteration);
        Assert.Equal([3, 6], progress.Where(p => p.Preview is not null).Select(p => p.Iteration));
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.First.Iteration < p.Second.Iteration));

        var result = frames[^1].Result;
        var image = ImageCodec.Decode(result.Image.Data.ToByteArray());
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Equal((64, 48), (result.Image.Width, result.Image.Height));
        Assert.Equal((64, 48), (frames[1].Started.Width, frames[1].Started.Height));
        Assert.Equal(result.Image.Data.Length, result.SizeBytes);
        Assert.Equal(6, result.IterationsRun);
        Assert.Equal("vgg19", result.Reproducibility.Network);
        Assert.Equal(3, result.Reproducibility.Seed);
        Assert.Equal("seed", result.Reproducibility.Preset);
        Assert.Equal(frames[0].Accepted.JobId, result.JobId);
    }

    [Fact]
    public async Task Stylize_InlineStyle_GivesSameBytesAsRegistered()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host, styleSize: 64);
        var registered = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 8));
        var inline = Frames.Request(styleId: null, iterations: 8);
        inline.StyleImage = Frames.Image("starry_night.jpg");
        var fromInline = await Frames.CollectAsync(host.Client, inline);

        Assert.Equal(registered[^1].Result.Image.Data, fromInline[^1].Result.Image.Data);
    }

    [Fact]
    public async Task Stylize_Blend_DiffersFromEitherStyleAlone()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        await host.Client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "scream", Image = Frames.Image("the_scream.jpg"), StyleSize = 64 });
        var request = Frames.Request(styleId: null);
        request.Blend = new StyleBlend();
        request.Blend.Components.Add(new StyleBlend.Types.Component { Style = "styles/starry", Weight = 2 });
        request.Blend.Components.Add(new StyleBlend.Types.Component { Style = "scream", Weight = 1 });
        var frames = await Frames.CollectAsync(host.Client, request);
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, frames[^1].FrameCase);

        var starryOnly = await Frames.CollectAsync(host.Client, Frames.Request("starry"));
        var screamOnly = await Frames.CollectAsync(host.Client, Frames.Request("scream"));
        var blended = frames[^1].Result.Image.Data;
        Assert.NotEqual(starryOnly[^1].Result.Image.Data, blended);
        Assert.NotEqual(screamOnly[^1].Result.Image.Data, blended);
    }

    [Fact]
    public async Task Stylize_JpegOutput_IsJpeg()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request();
        request.Options.OutputFormat = Protos.V1.ImageFormat.Jpeg;
        request.Options.Quality = 80;
        var frames = await Frames.CollectAsync(host.Client, request);
        var data = frames[^1].Result.Image.Data.ToByteArray();
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, data[..2]);
    }

    [Fact]
    public async Task Stylize_ProgressFrames_AreRateLimited()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:MaxProgressFramesPerSecond"] = "10" });
        await Frames.RegisterStarryAsync(host);
        var request = Frames.Request(iterations: 300, maxSide: 32);
        request.Options.Optimizer = Protos.V1.Optimizer.Adam; // L-BFGS may converge and stop before 300
        var frames = await Frames.CollectAsync(host.Client, request);
        var result = frames[^1].Result;
        var progress = frames.Count(f => f.Progress is not null);
        var bound = (int)(result.RunTime.ToTimeSpan().TotalSeconds * 10) + 2;
        Assert.True(progress <= bound, $"{progress} progress frames in {result.RunTime.ToTimeSpan().TotalSeconds:F2} s");
        Assert.Equal(300, frames.Last(f => f.Progress is not null).Progress.Iteration);
    }

    [Fact]
    public async Task Stylize_CancelledMidRun_StopsJobAndNextQueuedStarts()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        using var first = new CancellationTokenSource();
        using var firstCall = host.Client.Stylize(Frames.LongRequest(), cancellationToken: first.Token);
        await Frames.ReadUntilAsync(firstCall, f => f.Progress is not null);
        using var secondCall = host.Client.Stylize(Frames.Request(iterations: 3));
        var queued = await Frames.ReadUntilAsync(secondCall, f => f.Accepted is not null);
        Assert.Equal(1, queued[0].Accepted.QueuePosition);

        await first.CancelAsync();
        var rest = await Frames.ReadUntilAsync(secondCall, f => f.Result is not null);

        Assert.Contains(rest, f => f.Started is not null);
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Frames.ReadUntilAsync(firstCall, _ => false));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(0, host.Scheduler.Running);
    }

    [Fact]
    public async Task Stylize_QueueFull_ReturnsResourceExhausted()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:QueueCapacity"] = "1" });
        await Frames.RegisterStarryAsync(host);
        using var cancel = new CancellationTokenSource();
        using var running = host.Client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
        await Frames.ReadUntilAsync(running, f => f.Started is not null);
        using var waiting = host.Client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
        await Frames.ReadUntilAsync(waiting, f => f.Accepted is not null);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.Request()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        // AIP-193: the reason and the limit, and when to retry.
        var status = ex.GetRpcStatus()!;
        Assert.Equal(("QUEUE_FULL", "1"), (status.GetDetail<Google.Rpc.ErrorInfo>()!.Reason, status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["queue_capacity"]));
        Assert.NotNull(status.GetDetail<Google.Rpc.RetryInfo>());
        await cancel.CancelAsync();
    }

    [Fact]
    public async Task Stylize_DeadlinePasses_ReturnsDeadlineExceededAndFreesSlot()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Frames.CollectAsync(host.Client, Frames.LongRequest(), deadline: DateTime.UtcNow.AddMilliseconds(1500)));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        var frames = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2));
        Assert.Equal(StylizeResponse.FrameOneofCase.Result, frames[^1].FrameCase);
    }

    [Theory]
    [InlineData("too-many-pixels", "StyleGrpc:MaxPixels", "10000")]
    [InlineData("too-large", "StyleGrpc:MaxRequestBytes", "100000")]
    public async Task Stylize_ImageOverALimit_ReturnsInvalidArgumentNamingIt(string problem, string setting, string value)
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { [setting] = value });
        await host.Client.RegisterStyleAsync(new RegisterStyleRequest
        {
            StyleId = "starry",
            Image = Google.Protobuf.ByteString.CopyFrom(File.ReadAllBytes(TestData.Reference("style_64.png"))),
            StyleSize = 64,
        });

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.Request()));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith("content_image:", ex.Status.Detail);
        Assert.Contains(problem == "too-large" ? "bytes" : "pixels", ex.Status.Detail);
    }

    [Fact]
    public async Task Stylize_RunPastTheServersMaxRunTime_EndsWithDeadlineExceededNamingTheSetting()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:MaxRunSeconds"] = "1" });
        await Frames.RegisterStarryAsync(host);

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.LongRequest()));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Contains("MaxRunSeconds", ex.Status.Detail);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal(1, info.Limits.MaxRunSeconds);
        Assert.Equal(0, info.RunningJobs);
    }

    [Fact]
    public async Task Health_ReadinessGoesFromNotServingToServing_LivenessServesThroughout()
    {
        var gate = new ModelLoadGate(isOpen: false);
        await using var host = await ServerHost.StartAsync(gate: gate, waitForModel: false);
        var health = new Health.HealthClient(host.Channel);

        var readiness = new HealthCheckRequest { Service = "stylegrpc.v1.StyleTransferService" };
        var before = await health.CheckAsync(readiness);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, before.Status);
        var unavailable = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.Request()));
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);

        gate.Open();
        await host.Services.GetRequiredService<ModelHost>().GetEngineAsync(CancellationToken.None).WaitAsync(Frames.Timeout);
        var after = await health.CheckAsync(readiness);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, after.Status);
    }

    [Theory]
    [InlineData("float32", "float32")]
    [InlineData("bfloat16", "bfloat16")]
    public async Task Precision_Configured_IsReportedAndUsed(string configured, string expected)
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Precision"] = configured });
        await Frames.RegisterStarryAsync(host);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        var frames = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2));
        Assert.Equal(expected, info.Network.Precision);
        Assert.Equal(expected, frames[^1].Result.Reproducibility.Precision);
    }

    [Fact]
    public async Task Shutdown_RunningJobPastDrain_GetsUnavailable()
    {
        var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        using var call = host.Client.Stylize(Frames.LongRequest());
        await Frames.ReadUntilAsync(call, f => f.Progress is not null);

        var stopping = host.StopAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Frames.ReadUntilAsync(call, _ => false));
        await stopping;

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        await host.DisposeAsync();
    }
}
