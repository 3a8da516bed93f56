using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests.Media;

public sealed class VideoEncoderTests : IDisposable
{
    private readonly string folder = TestData.NewTempDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(VideoContainer.Mp4H264, "h264", "mov,mp4,m4a,3gp,3g2,mj2")]
    [InlineData(VideoContainer.WebmVp9, "vp9", "matroska,webm")]
    public async Task Encode_PanFrames_ProbesAndDecodesBack(VideoContainer container, string codec, string format)
    {
        var frames = await Clips.DecodeAsync(Clips.Pan);
        var path = Path.Combine(folder, "out.video");

        await using (var encoder = VideoEncoder.Start(Clips.Tool, path, container, new FrameSize(192, 128), 24, Clips.Deadline()))
        {
            foreach (var frame in frames)
            {
                await encoder.WriteAsync(frame, Clips.Deadline());
            }
            await encoder.CompleteAsync(Clips.Deadline());
            Assert.Equal(48, encoder.FramesWritten);
        }
        var info = await new VideoProbe(Clips.Tool).InspectAsync(path, new VideoLimits(), Clips.Deadline());
        var back = await Clips.DecodeAsync(path);

        Assert.Equal((192, 128, 48L, 24.0, false, codec, format),
            (info.Width, info.Height, info.FrameCount, info.FramesPerSecond, info.HasAudio, info.VideoCodec, info.FormatName));
        Assert.Equal(48, back.Count);
        var difference = Clips.MeanAbsoluteDifference(frames[20], back[20]);
        Assert.True(difference < 6, $"frame 20 came back {difference:0.00} levels off");
    }

    [Fact]
    public async Task Write_WrongSize_NamesTheFrame()
    {
        await using var encoder = VideoEncoder.Start(Clips.Tool, Path.Combine(folder, "a.mp4"), VideoContainer.Mp4H264,
            new FrameSize(64, 48), 24, Clips.Deadline());

        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => encoder.WriteAsync(new RgbImage(32, 32, new byte[32 * 32 * 3]), Clips.Deadline()));

        Assert.Equal("frame", e.ParamName);
    }

    [Fact]
    public void Start_OddSize_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => VideoEncoder.Start(Clips.Tool, Path.Combine(folder, "a.mp4"),
            VideoContainer.Mp4H264, new FrameSize(65, 48), 24, Clips.Deadline()));

        Assert.Equal("size", e.ParamName);
    }

    [Fact]
    public async Task Dispose_WithoutComplete_LeavesNoFile()
    {
        var path = Path.Combine(folder, "unfinished.mp4");
        await using (var encoder = VideoEncoder.Start(Clips.Tool, path, VideoContainer.Mp4H264, new FrameSize(64, 48), 24, Clips.Deadline()))
        {
            await encoder.WriteAsync(new RgbImage(64, 48, new byte[64 * 48 * 3]), Clips.Deadline());
        }

        Assert.False(File.Exists(path));
    }
}
