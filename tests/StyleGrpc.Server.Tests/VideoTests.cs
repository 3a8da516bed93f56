extern alias server;

using Google.LongRunning;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;
using StyleGrpc.Video.Media;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// SubmitStylizeVideo for real: the committed clips through the server's ffmpeg and OpenCV, the result probed with ffprobe,
/// hostile input refused with the field named, and a job killed with SIGKILL resumed without redoing its finished frames.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class VideoTests(ITestOutputHelper output)
{
    private static StylizeVideoRequest Request(string clip, int iterations, int first, int count, int maxSide = 64) => new()
    {
        Video = ByteString.CopyFrom(File.ReadAllBytes(TestData.Video(clip))),
        StyleName = "starry",
        Options = new StylizeOptions { MaxSide = maxSide, Iterations = iterations, Optimizer = Optimizer.Adam, Seed = 7 },
        FrameRange = new VideoFrameRange { First = first, Count = count },
    };

    [Fact]
    public async Task Optimisation_TheClipsRangeBecomesAVideoWithItsAudio_WatchedFrameByFrame()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);

        var submitted = await host.Client.SubmitStylizeVideoAsync(Request("zoom.mp4", iterations: 3, first: 4, count: 6));
        var frames = new List<StylizeResponse>();
        using (var watch = host.Client.WatchStylize(new WatchStylizeRequest { Name = submitted.Name }))
        {
            await foreach (var frame in watch.ResponseStream.ReadAllAsync())
            {
                frames.Add(frame);
            }
        }
        var done = await operations.GetOperationAsync(new GetOperationRequest { Name = submitted.Name });

        var metadata = done.Metadata.Unpack<StylizeVideoMetadata>();
        var result = done.Response.Unpack<VideoResult>();
        output.WriteLine($"{result.Frames} frames {result.Width}x{result.Height} at {result.FrameRate} fps, {result.Video.Length} bytes, audio {result.Audio}; {metadata.FramesPerSecond:0.00} frames/s");
        Assert.Equal(StylizeMetadata.Types.State.Succeeded, metadata.State);
        Assert.Equal((6, 6), (metadata.FramesDone, metadata.TotalFrames));
        Assert.Equal((6, 64, 48), (result.Frames, result.Width, result.Height));
        Assert.Equal(VideoFormat.Mp4, result.Format);
        Assert.True(result.Audio);
        Assert.Equal(Method.Optimization, result.Method);
        Assert.Equal(1, result.TemporalWeight);
        // What a player sees: an MP4 of six 64×48 H.264 frames with the clip's tone, cut to the range (0.25 s at 24 fps).
        var path = Path.Combine(TestData.NewTempDirectory(), "result.mp4");
        await File.WriteAllBytesAsync(path, result.Video.ToByteArray());
        var probed = await new VideoProbe(new FfmpegTool()).ProbeAsync(path, CancellationToken.None);
        Assert.Equal((64, 48, 6L, "h264"), (probed.Width, probed.Height, probed.FrameCount, probed.VideoCodec));
        Assert.True(probed.HasAudio);
        Assert.InRange(probed.Duration.TotalSeconds, 0.2, 0.35);
        // The watch: accepted, started, one progress frame per stylised frame with that frame as its preview, the result.
        Assert.Equal(StylizeResponse.FrameOneofCase.Accepted, frames[0].FrameCase);
        Assert.Equal(StylizeResponse.FrameOneofCase.VideoResult, frames[^1].FrameCase);
        var progress = frames.Where(f => f.Progress is not null).Select(f => f.Progress).ToList();
        Assert.Equal(6, progress[^1].Iteration);
        Assert.All(progress, p => Assert.Equal((64, 48), Size(p.Preview)));
    }

    [Fact]
    public async Task FeedForward_IsTheDefaultOnceTheStyleHasANetwork_TrainedForVideo_AndTheBlendChangesTheFrames()
    {
        await using var host = await ServerHost.StartAsync(Training.Settings());
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);
        // Trained with the stability term (Gupta et al.) and the shifted loss, as a style meant for video may be; a weight out
        // of range is refused.
        var bad = Training.Request(iterations: 10);
        bad.StabilityWeight = -1;
        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.TrainStyleNetworkAsync(bad).ResponseAsync);
        Assert.Equal("stability_weight", Assert.Single(refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        var stable = Training.Request(iterations: 10);
        stable.StabilityWeight = 1;
        stable.ShiftedLoss = true;
        var trained = await Training.DoneAsync(operations, (await host.Client.TrainStyleNetworkAsync(stable)).Name);
        Assert.Equal(Operation.ResultOneofCase.Response, trained.ResultCase);
        // Both options reach the training's spec as the server maps and stores it (a resumed training reads it again).
        var serverRequest = server::StyleGrpc.Protos.V1.TrainStyleNetworkRequest.Parser.ParseFrom(stable.ToByteArray());
        var mapped = server::StyleGrpc.Server.Services.RequestMapper.ToTraining(serverRequest, await host.Registry.GetAsync("starry", CancellationToken.None),
            host.Services.GetRequiredService<server::StyleGrpc.Server.Model.ModelHost>().Engine,
            host.Services.GetRequiredService<IOptions<server::StyleGrpc.Server.Settings.StyleGrpcServerOptions>>().Value.Training);
        var stored = Assert.IsType<server::StyleGrpc.Server.Jobs.TrainingJobSpec>(server::StyleGrpc.Server.Operations.JobSpecJson.Deserialize(
            server::StyleGrpc.Server.Operations.JobSpecJson.Serialize(mapped), server::StyleGrpc.Server.Jobs.JobKind.Training));
        Assert.Equal((1d, true), (stored.Options.StabilityWeight, stored.Options.ShiftedLoss));

        async Task<VideoResult> StylizeAsync(double temporalWeight)
        {
            var request = Request("pan.mp4", iterations: 0, first: 0, count: 12);
            request.TemporalWeight = temporalWeight;
            var done = await operations.WaitOperationAsync(new WaitOperationRequest
            {
                Name = (await host.Client.SubmitStylizeVideoAsync(request)).Name,
                Timeout = Duration.FromTimeSpan(Frames.Timeout),
            });
            Assert.Equal(Operation.ResultOneofCase.Response, done.ResultCase);
            return done.Response.Unpack<VideoResult>();
        }
        var blended = await StylizeAsync(1);
        var alone = await StylizeAsync(0);

        Assert.Equal((Method.FeedForward, 12, 64), (blended.Method, blended.Frames, blended.Width));
        Assert.Equal((Method.FeedForward, 0d), (alone.Method, alone.TemporalWeight));
        // The blend changes the frames where the flow holds: the two videos differ.
        Assert.NotEqual(blended.Video, alone.Video);
    }

    [Fact]
    public async Task HostileOrWrongInput_IsInvalidArgumentNamingTheField()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);
        var random = new byte[20_000];
        new Random(1).NextBytes(random);
        var pan = File.ReadAllBytes(TestData.Video("pan.mp4"));

        var cases = new (string Field, Action<StylizeVideoRequest> Change)[]
        {
            ("video", r => r.Video = ByteString.CopyFrom(random)),
            ("video", r => r.Video = ByteString.CopyFrom(pan, 0, pan.Length / 3)),
            ("video", r => r.Video = ByteString.CopyFrom(File.ReadAllBytes(TestData.Image("tubingen.jpg")))),
            ("video", r => r.Video = ByteString.Empty),
            ("frame_range", r => r.FrameRange = new VideoFrameRange { First = 500 }),
            ("frame_range", r => r.FrameRange = new VideoFrameRange { First = -1 }),
            ("frame_rate", r => r.FrameRate = 10_000),
            ("temporal_weight", r => r.TemporalWeight = 500),
            ("options.iterations", r => r.Options.Iterations = -1),
        };
        foreach (var (field, change) in cases)
        {
            var request = Request("pan.mp4", iterations: 2, first: 0, count: 2);
            change(request);
            var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.SubmitStylizeVideoAsync(request).ResponseAsync);
            output.WriteLine($"{field}: {ex.Status.Detail}");
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Equal(field, Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        }
    }

    // A result over StyleGrpc:Video:InlineResultBytes is not in the operation: ReadVideoResult gives it in order, in chunks.
    [Fact]
    public async Task LargeResult_IsLeftOutOfTheOperation_AndReadVideoResultGivesTheWholeFile()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Video:InlineResultBytes"] = "2048" });
        await Frames.RegisterStarryAsync(host);
        var operations = new Operations.OperationsClient(host.Channel);
        var name = (await host.Client.SubmitStylizeVideoAsync(Request("zoom.mp4", iterations: 2, first: 0, count: 6))).Name;

        var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        var result = done.Response.Unpack<VideoResult>();
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());
        var chunks = new List<VideoChunk>();
        using (var read = host.Client.ReadVideoResult(new ReadVideoResultRequest { Name = name }))
        {
            await foreach (var chunk in read.ResponseStream.ReadAllAsync())
            {
                chunks.Add(chunk);
            }
        }

        output.WriteLine($"{result.VideoSize} bytes in {chunks.Count} chunk(s), inline {result.Video.Length}");
        Assert.Equal(2048, info.Limits.Video.InlineResultBytes);
        Assert.True(result.Chunked);
        Assert.True(result.Video.IsEmpty);
        Assert.True(result.VideoSize > 2048, $"the result is only {result.VideoSize} bytes");
        Assert.Equal(chunks.Sum(c => (long)c.Data.Length), result.VideoSize);
        Assert.Equal(chunks.Select((c, i) => chunks.Take(i).Sum(p => (long)p.Data.Length)), chunks.Select(c => c.Offset));
        Assert.All(chunks, c => Assert.Equal(result.VideoSize, c.TotalSize));
        var path = Path.Combine(TestData.NewTempDirectory(), "chunked.mp4");
        await File.WriteAllBytesAsync(path, [.. chunks.SelectMany(c => c.Data)]);
        var probed = await new VideoProbe(new FfmpegTool()).ProbeAsync(path, CancellationToken.None);
        Assert.Equal((64, 48, 6L), (probed.Width, probed.Height, probed.FrameCount));
        // Unknown operations are NOT_FOUND; a picture job has no video.
        var unknown = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(host, "operations/nosuchjob"));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var picture = await host.Client.SubmitStylizeAsync(new StylizeRequest
        {
            ContentImage = Frames.Image("tubingen.jpg"),
            StyleName = "starry",
            Options = new StylizeOptions { MaxSide = 64, Iterations = 2 },
        });
        await operations.WaitOperationAsync(new WaitOperationRequest { Name = picture.Name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        var notVideo = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(host, picture.Name));
        Assert.Equal(StatusCode.FailedPrecondition, notVideo.StatusCode);
        Assert.Contains("not a video job", notVideo.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task ReadAllAsync(ServerHost host, string name)
    {
        using var read = host.Client.ReadVideoResult(new ReadVideoResultRequest { Name = name });
        await foreach (var _ in read.ResponseStream.ReadAllAsync())
        {
        }
    }

    [Fact]
    public async Task Sigkill_MidVideo_TheNextStartGoesOnFromItsLastCheckpoint_RedoingNoFinishedFrame()
    {
        var data = TestData.NewTempDirectory();
        var settings = new Dictionary<string, string?> { ["StyleGrpc:Video:PartFrames"] = "3" };
        string name;
        int checkpointAtKill;
        await using (var server = await ServerSteps.ReadyAsync(ServerProcess.Start(settings, data)))
        {
            var (client, operations) = Clients(server);
            await client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 });
            name = (await client.SubmitStylizeVideoAsync(Request("pan.mp4", iterations: 30, first: 0, count: 24))).Name;
            var metadata = await ServerSteps.MetadataWhenAsync<StylizeVideoMetadata>(operations, name, m => m.CheckpointFrame >= 4);
            server.Signal(9);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
            checkpointAtKill = metadata.CheckpointFrame;
        }

        await using var again = await ServerSteps.ReadyAsync(ServerProcess.Start(settings, data));
        var (_, ops) = Clients(again);
        var done = await ops.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });

        var final = done.Metadata.Unpack<StylizeVideoMetadata>();
        var result = done.Response.Unpack<VideoResult>();
        output.WriteLine($"killed with {checkpointAtKill} frames checkpointed; attempt {final.Attempt} resumed from frame {final.ResumedFromFrame}");
        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.True(final.ResumedFromFrame >= checkpointAtKill, $"resumed from {final.ResumedFromFrame}, the checkpoint had {checkpointAtKill}");
        Assert.Equal(24, result.Frames);
        Assert.Equal(2, result.Reproducibility.Attempts);
        var path = Path.Combine(data, "resumed.mp4");
        await File.WriteAllBytesAsync(path, result.Video.ToByteArray());
        Assert.Equal(24L, (await new VideoProbe(new FfmpegTool()).ProbeAsync(path, CancellationToken.None)).FrameCount);
    }

    [Fact]
    public async Task Sigkill_InsideAnOptimisedFrame_TheNextStartResumesThatFramesOptimiser()
    {
        var data = TestData.NewTempDirectory();
        var settings = new Dictionary<string, string?> { ["StyleGrpc:CheckpointSeconds"] = "1" };
        string name;
        await using (var server = await ServerSteps.ReadyAsync(ServerProcess.Start(settings, data)))
        {
            var (client, operations) = Clients(server);
            await client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 });
            // One frame of many iterations: the kill lands inside it, after an optimiser checkpoint of it.
            name = (await client.SubmitStylizeVideoAsync(Request("pan.mp4", iterations: 3000, first: 0, count: 1))).Name;
            Assert.True(await ServerTestSetup.EventuallyAsync(() => server.MetricAsync("stylegrpc_checkpoints_total").Result >= 1, Frames.Timeout));
            Assert.Equal(0, (await operations.GetOperationAsync(new GetOperationRequest { Name = name })).Metadata.Unpack<StylizeVideoMetadata>().FramesDone);
            server.Signal(9);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using var again = await ServerSteps.ReadyAsync(ServerProcess.Start(settings, data));
        var (_, ops) = Clients(again);
        var done = await ops.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });

        var result = done.Response.Unpack<VideoResult>();
        output.WriteLine($"the frame resumed at iteration {result.Reproducibility.ResumedFromIteration} of 3000, attempt {result.Reproducibility.Attempts}");
        Assert.Equal((1, 2), (result.Frames, result.Reproducibility.Attempts));
        Assert.InRange(result.Reproducibility.ResumedFromIteration, 1, 2999);
    }

    private static (int, int) Size(EncodedImage image)
    {
        var decoded = ImageCodec.Decode(image.Data.ToByteArray());
        return (decoded.Width, decoded.Height);
    }

    private static (StyleTransferService.StyleTransferServiceClient, Operations.OperationsClient) Clients(ServerProcess server) =>
        (new StyleTransferService.StyleTransferServiceClient(server.Channel), new Operations.OperationsClient(server.Channel));
}
