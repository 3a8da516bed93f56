using System.Security.Cryptography;
using Google.LongRunning;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;
using StyleGrpc.Video.Media;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// UploadVideo for real: a file over the request limit sent in pieces through a client-streaming call into the server's
/// store, named by jobs (two of them, from one upload), refused when it is empty or over the video limit (nothing kept), and
/// NOT_FOUND naming <c>video_upload</c> for a name the server never gave.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class VideoUploadTests(ITestOutputHelper output)
{
    private const int RequestLimit = 64 * 1024;
    private const int VideoLimit = 3 * 1024 * 1024;

    [Fact]
    public async Task AFileOverTheRequestLimit_IsUploadedInPieces_AndEveryJobThatNamesItIsStylised()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:MaxRequestBytes"] = RequestLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["StyleGrpc:Video:MaxBytes"] = VideoLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        // The style's picture must fit the small request limit too.
        var starry = ImageCodec.Decode(File.ReadAllBytes(TestData.Image("starry_night.jpg")));
        var style = ImageCodec.Encode(ImageCodec.Resize(starry, 96, 96 * starry.Height / starry.Width), StyleGrpc.Engine.Imaging.ImageFormat.Png);
        await host.Client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = ByteString.CopyFrom(style), StyleSize = 64 });
        var video = await LosslessClipAsync();
        output.WriteLine($"clip: {video.Length} bytes; request limit {RequestLimit}");
        Assert.InRange(video.Length, 2 * 1024 * 1024 + 1, VideoLimit);

        // Inside the request it is refused: over MaxRequestBytes.
        var inline = await Assert.ThrowsAsync<RpcException>(() => host.Client.SubmitStylizeVideoAsync(Request(r => r.Video = ByteString.CopyFrom(video))).ResponseAsync);
        Assert.Contains(inline.StatusCode, new[] { StatusCode.InvalidArgument, StatusCode.ResourceExhausted });

        var upload = await UploadAsync(host, video, pieceBytes: 48 * 1024);
        output.WriteLine($"{upload.Name}: {upload.SizeBytes} bytes, expires {upload.ExpireTime}");
        Assert.Matches("^uploads/[0-9a-f]{24}$", upload.Name);
        Assert.Equal(video.Length, upload.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(video)), upload.Sha256);
        Assert.Equal(TimeSpan.FromHours(1), upload.ExpireTime.ToDateTimeOffset() - upload.CreateTime.ToDateTimeOffset());
        Assert.Equal(3600, (await host.Client.GetServerInfoAsync(new GetServerInfoRequest())).Limits.Video.UploadRetentionSeconds);

        // Two jobs name the one upload: different ranges of the same file.
        var operations = new Operations.OperationsClient(host.Channel);
        foreach (var (first, count) in new[] { (0, 3), (24, 2) })
        {
            var name = (await host.Client.SubmitStylizeVideoAsync(Request(r => r.VideoUpload = upload.Name, first, count))).Name;
            var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
            Assert.Null(done.Error);
            var result = done.Response.Unpack<VideoResult>();
            var path = Path.Combine(TestData.NewTempDirectory(), "result.mp4");
            await File.WriteAllBytesAsync(path, result.Video.ToByteArray());
            var probed = await new VideoProbe(new FfmpegTool()).ProbeAsync(path, CancellationToken.None);
            Assert.Equal((64, 36, (long)count), (probed.Width, probed.Height, probed.FrameCount));
            Assert.True(probed.HasAudio);
        }

        // A name the server never gave, and one that is no upload name.
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            host.Client.SubmitStylizeVideoAsync(Request(r => r.VideoUpload = "uploads/000000000000000000000000")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("video_upload", unknown.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata["field"]);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            host.Client.SubmitStylizeVideoAsync(Request(r => r.VideoUpload = "operations/abc")).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal("video_upload", Assert.Single(malformed.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        // A file that is no video, uploaded: refused naming video_upload.
        var junk = await UploadAsync(host, new byte[5000], pieceBytes: 1000);
        var notVideo = await Assert.ThrowsAsync<RpcException>(() => host.Client.SubmitStylizeVideoAsync(Request(r => r.VideoUpload = junk.Name)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, notVideo.StatusCode);
        Assert.Equal("video_upload", Assert.Single(notVideo.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);

        // Over Video:MaxBytes, and empty: INVALID_ARGUMENT naming data, and nothing of either is kept.
        var uploads = Path.Combine(host.DataDirectory, "data", "uploads");
        var kept = Directory.GetDirectories(uploads).Length;
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, new byte[VideoLimit + 1], pieceBytes: 60 * 1024));
        Assert.Equal(StatusCode.InvalidArgument, tooLarge.StatusCode);
        Assert.Equal("data", Assert.Single(tooLarge.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        var empty = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(host, [], pieceBytes: 1));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Equal("data", Assert.Single(empty.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.Equal(kept, Directory.GetDirectories(uploads).Length);
    }

    private static StylizeVideoRequest Request(Action<StylizeVideoRequest> source, int first = 0, int count = 3)
    {
        var request = new StylizeVideoRequest
        {
            StyleName = "starry",
            Options = new StylizeOptions { MaxSide = 64, Iterations = 2, Optimizer = Optimizer.Adam, Seed = 7 },
            FrameRange = new VideoFrameRange { First = first, Count = count },
        };
        source(request);
        return request;
    }

    private static async Task<VideoUpload> UploadAsync(ServerHost host, byte[] file, int pieceBytes)
    {
        using var call = host.Client.UploadVideo();
        try
        {
            for (var offset = 0; offset < file.Length; offset += pieceBytes)
            {
                await call.RequestStream.WriteAsync(new UploadVideoRequest { Data = ByteString.CopyFrom(file, offset, Math.Min(pieceBytes, file.Length - offset)) });
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server ended the call before the last piece (a refusal): its status is the answer's.
        }
        return await call.ResponseAsync;
    }

    // Five seconds of ffmpeg's test pattern with a tone, H.264 without loss: about 2.4 MB, more than two stored chunks.
    private static async Task<byte[]> LosslessClipAsync()
    {
        var path = Path.Combine(TestData.NewTempDirectory(), "big.mp4");
        await new FfmpegTool().RunFfmpegAsync(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=24", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "5", "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-c:a", "aac", "-shortest", "-y", path], CancellationToken.None);
        return await File.ReadAllBytesAsync(path);
    }
}
