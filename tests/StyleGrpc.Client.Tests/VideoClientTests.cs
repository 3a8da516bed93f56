using Grpc.Core;
using StyleGrpc.Client;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// Videos through the library against a real server (its ffmpeg): a few frames of the committed pan clip stylised, the bytes
/// probed with ffprobe, progress followed frame by frame; a detached job read back as a video operation; a picture given as the
/// video refused with the field named.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class VideoClientTests(OpenServer open) : IClassFixture<OpenServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static byte[] Pan => File.ReadAllBytes(TestData.Video("pan.mp4"));

    private static StylizeVideoOptions Small(int count, VideoFormat format = VideoFormat.Mp4) => new()
    {
        MaxSide = 48,
        IterationsPerFrame = 2,
        Optimizer = OptimizerKind.Adam,
        Seed = 7,
        FirstFrame = 2,
        FrameCount = count,
        Format = format,
    };

    private StyleGrpcClient Connect() => new(new StyleGrpcClientOptions { Address = new Uri(open.Host.Address) });

    private static Task<VideoInfo> ProbeAsync(byte[] video, string extension)
    {
        var path = Path.Combine(TestData.NewTempDirectory(), "video." + extension);
        File.WriteAllBytes(path, video);
        return new VideoProbe(new FfmpegTool()).ProbeAsync(path, CancellationToken.None);
    }

    // A file sent with UploadVideo first (as one too large for a message must be) makes the very video the file sent inline does.
    [Fact]
    public async Task UploadVideoAsync_ThenAJobNamingIt_MakesTheSameVideoAsTheFileSentInline()
    {
        using var client = Connect();
        using var timeout = new CancellationTokenSource(Timeout);

        using var file = File.OpenRead(TestData.Video("pan.mp4"));
        var upload = await client.UploadVideoAsync(file, timeout.Token);
        var fromUpload = await client.StylizeVideoAsync(upload, StyleSpec.Registered("starry"), Small(2), cancellationToken: timeout.Token);
        var inline = await client.StylizeVideoAsync(Pan, StyleSpec.Registered("starry"), Small(2), cancellationToken: timeout.Token);

        Assert.Matches("^uploads/[0-9a-f]{24}$", upload.Name);
        Assert.Equal((Pan.LongLength, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Pan))), (upload.SizeBytes, upload.Sha256));
        Assert.True(upload.ExpireTime > upload.CreateTime);
        Assert.Equal(2, fromUpload.Frames);
        Assert.Equal(inline.Video, fromUpload.Video);
        // A name no upload has: NOT_FOUND.
        var unknown = await Assert.ThrowsAsync<StyleGrpcException>(() =>
            client.SubmitStylizeVideoAsync(upload with { Name = "uploads/000000000000000000000000" }, StyleSpec.Registered("starry"), Small(2), timeout.Token));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task StylizeVideoAsync_FourFramesOfPan_ReturnsAnMp4OfFourFrames_ReportedFrameByFrame()
    {
        using var client = Connect();
        using var timeout = new CancellationTokenSource(Timeout);
        var reports = new List<VideoProgress>();

        var video = await client.StylizeVideoAsync(Pan, StyleSpec.Registered("starry"), Small(4),
            new InlineProgress(reports.Add), cancellationToken: timeout.Token);

        Assert.Equal((4, 48, 32, VideoFormat.Mp4), (video.Frames, video.Width, video.Height, video.Format));
        Assert.Equal(24, video.FrameRate, 3);
        Assert.Equal((StylizeMethod.Optimization, 1.0, 1), (video.Method, video.TemporalWeight, video.Attempts));
        Assert.False(video.Chunked);
        Assert.Equal(video.Video.Length, video.VideoSize);
        // ReadVideoResultAsync streams the same file (the way to read a result too large to come inline).
        using var read = new MemoryStream();
        Assert.Equal(video.VideoSize, await client.ReadVideoResultAsync(video.JobId, read, timeout.Token));
        Assert.Equal(video.Video, read.ToArray());
        var probed = await ProbeAsync(video.Video, "mp4");
        Assert.Equal((48, 32, 4L, "h264"), (probed.Width, probed.Height, probed.FrameCount, probed.VideoCodec));
        // Accepted first, with the operation; then one report per stylised frame, each with that frame (JPEG, at the output size).
        Assert.Equal("operations/" + video.JobId, reports[0].OperationName);
        Assert.Equal(JobState.Queued, reports[0].State);
        var frames = reports.Where(r => r.Preview is not null).ToList();
        Assert.Equal([1, 2, 3, 4], frames.Select(r => r.FramesDone));
        Assert.All(frames, r => Assert.Equal((JobState.Running, 4), (r.State, r.TotalFrames)));
        Assert.All(frames, r => Assert.Equal((48, 32), Size(r.Preview!)));
        Assert.True(frames[^1].FramesPerSecond > 0);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
    }

    [Fact]
    public async Task SubmitStylizeVideoAsync_WebM_IsAVideoOperationWhoseResultGetVideoJobReads()
    {
        using var client = Connect();
        var requestId = StylizeRequestId.ForVideo(Pan, StyleSpec.Registered("starry"), Small(2, VideoFormat.WebM));

        var submitted = await client.SubmitStylizeVideoAsync(Pan, StyleSpec.Registered("starry"), Small(2, VideoFormat.WebM) with { RequestId = requestId })
            .WaitAsync(Timeout);
        var again = await client.SubmitStylizeVideoAsync(Pan, StyleSpec.Registered("starry"), Small(2, VideoFormat.WebM) with { RequestId = requestId })
            .WaitAsync(Timeout);
        var waited = await client.WaitOperationAsync(submitted.Name, Timeout).WaitAsync(Timeout);
        var job = await client.GetVideoJobAsync(submitted.JobId).WaitAsync(Timeout);

        // The same request ID answers the same operation (AIP-155) and starts nothing.
        Assert.Equal(submitted.Name, again.Name);
        Assert.Equal((JobKind.Video, true, 2, 2), (waited.Kind, waited.Done, waited.Metadata.Iteration, waited.Metadata.TotalIterations));
        Assert.Null(waited.Result);
        Assert.Equal((JobState.Succeeded, 2, 2, 48, 32, 1), (job.Metadata.State, job.Metadata.FramesDone, job.Metadata.TotalFrames,
            job.Metadata.Width, job.Metadata.Height, job.Metadata.Attempt));
        var result = Assert.IsType<VideoCompleted>(job.Result);
        Assert.Equal((VideoFormat.WebM, 2), (result.Format, result.Frames));
        var probed = await ProbeAsync(result.Video, "webm");
        Assert.Equal((48, 32, "vp9"), (probed.Width, probed.Height, probed.VideoCodec));
        await client.DeleteOperationAsync(submitted.Name);
    }

    [Fact]
    public async Task SubmitStylizeVideoAsync_AJpegAsTheVideo_IsInvalidArgumentNamingVideo_AndServerInfoTellsTheLimits()
    {
        using var client = Connect();

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.SubmitStylizeVideoAsync(File.ReadAllBytes(TestData.Image("tubingen.jpg")),
            StyleSpec.Registered("starry"), Small(2)).WaitAsync(Timeout));

        Assert.Equal((StatusCode.InvalidArgument, "video"), (ex.StatusCode, ex.Field));
        // What it may send instead: the server's video limits.
        var limits = (await client.GetServerInfoAsync().WaitAsync(Timeout)).Video;
        Assert.NotNull(limits);
        Assert.True(limits.Available);
        Assert.True(limits.MaxBytes > 0 && limits.MaxFrames > 0 && limits.MaxSide > 0 && limits.MaxFrameRate > 0);
    }

    private static (int, int) Size(EncodedImage image)
    {
        var decoded = ImageCodec.Decode(image.Data);
        return (decoded.Width, decoded.Height);
    }

    // Reports collected in order, on the reporting thread.
    private sealed class InlineProgress(Action<VideoProgress> handler) : IProgress<VideoProgress>
    {
        public void Report(VideoProgress value) => handler(value);
    }
}
