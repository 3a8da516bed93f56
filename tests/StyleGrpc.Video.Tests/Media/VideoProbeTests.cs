using System.Buffers.Binary;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests.Media;

public sealed class VideoProbeTests : IDisposable
{
    private readonly string folder = TestData.NewTempDirectory();
    private readonly VideoProbe probe = new(Clips.Tool);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Inspect_PanClip_ReadsItsStreams()
    {
        var info = await probe.InspectAsync(Clips.Pan, new VideoLimits(), Clips.Deadline());

        Assert.Equal(new VideoInfo(192, 128, 48, 24, TimeSpan.FromSeconds(2), false, "h264", "mov,mp4,m4a,3gp,3g2,mj2"), info);
    }

    [Fact]
    public async Task Inspect_ZoomClip_HasAudio()
    {
        var info = await probe.InspectAsync(Clips.Zoom, new VideoLimits(), Clips.Deadline());

        Assert.True(info.HasAudio);
        Assert.Equal((160, 120, 48L), (info.Width, info.Height, info.FrameCount));
    }

    [Fact]
    public async Task Inspect_TruncatedFile_IsRejected()
    {
        var path = Path.Combine(folder, "truncated.mp4");
        var bytes = await File.ReadAllBytesAsync(Clips.Pan, Clips.Deadline());
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)], Clips.Deadline());

        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => probe.InspectAsync(path, new VideoLimits(), Clips.Deadline()));

        Assert.Equal("video", e.Field);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(folder, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" @ 0x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_PngRenamedMp4_IsRejectedAsAStillImage()
    {
        var path = Path.Combine(folder, "still.mp4");
        await Clips.Tool.RunFfmpegAsync(["-i", TestData.Image("tubingen.jpg"), "-vf", "scale=64:48", "-f", "image2", "-c:v", "png", "-y", path], Clips.Deadline());

        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => probe.InspectAsync(path, new VideoLimits(), Clips.Deadline()));

        Assert.Equal("video", e.Field);
        Assert.Contains("png_pipe", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_RandomBytes_IsRejected()
    {
        var path = Path.Combine(folder, "random.mp4");
        var bytes = new byte[20_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes, Clips.Deadline());

        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => probe.InspectAsync(path, new VideoLimits(), Clips.Deadline()));

        Assert.Equal("video", e.Field);
    }

    [Fact]
    public async Task Inspect_EmptyFile_IsRejected()
    {
        var path = Path.Combine(folder, "empty.mp4");
        await File.WriteAllBytesAsync(path, [], Clips.Deadline());

        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => probe.InspectAsync(path, new VideoLimits(), Clips.Deadline()));

        Assert.Equal("video", e.Field);
    }

    [Fact]
    public async Task Inspect_TinyFileClaimingHugeFrames_IsRejectedAsDecompressionBomb()
    {
        // A 16×16 MJPEG AVI whose headers (AVI's and each JPEG's) are patched to claim 16000×16000: a few kilobytes.
        var small = Path.Combine(folder, "small.avi");
        await Clips.Tool.RunFfmpegAsync(["-f", "lavfi", "-i", "color=red:size=16x16:duration=0.08:rate=25", "-c:v", "mjpeg", "-y", small], Clips.Deadline());
        var bytes = await File.ReadAllBytesAsync(small, Clips.Deadline());
        var bomb = Path.Combine(folder, "bomb.avi");
        await File.WriteAllBytesAsync(bomb, ClaimSize(bytes, 16, 16000), Clips.Deadline());
        Assert.True(new FileInfo(bomb).Length < 20_000);

        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => probe.InspectAsync(bomb, new VideoLimits(), Clips.Deadline()));

        Assert.Equal("video", e.Field);
        Assert.Contains("16000×16000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_OverTheDurationLimit_IsRejected()
    {
        var path = Path.Combine(folder, "long.mp4");
        await Clips.Tool.RunFfmpegAsync(["-f", "lavfi", "-i", "color=blue:size=32x32:duration=5:rate=5", "-c:v", "libx264", "-y", path], Clips.Deadline());

        var e = await Assert.ThrowsAsync<VideoRejectedException>(
            () => probe.InspectAsync(path, new VideoLimits { MaxDurationSeconds = 3 }, Clips.Deadline()));

        Assert.Equal("video", e.Field);
        Assert.Contains("duration 5 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_OverTheFrameAndByteLimits_IsRejected()
    {
        var frames = await Assert.ThrowsAsync<VideoRejectedException>(
            () => probe.InspectAsync(Clips.Pan, new VideoLimits { MaxFrames = 47 }, Clips.Deadline()));
        var bytes = await Assert.ThrowsAsync<VideoRejectedException>(
            () => probe.InspectAsync(Clips.Pan, new VideoLimits { MaxBytes = 1000 }, Clips.Deadline()));

        Assert.Contains("48 frames", frames.Message, StringComparison.Ordinal);
        Assert.Contains("over the limit of 1000", bytes.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000.0, "outside")]
    [InlineData(0.01, "outside")]
    [InlineData(double.NaN, "cannot be read")]
    public void Check_AbsurdFrameRate_IsRejected(double fps, string expected)
    {
        var info = new VideoInfo(64, 64, 10, fps, TimeSpan.FromSeconds(1), false, "h264", "mov,mp4,m4a,3gp,3g2,mj2");

        var e = Assert.Throws<VideoRejectedException>(() => VideoProbe.Check(info, new VideoLimits()));

        Assert.Equal("video", e.Field);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PlaylistFormat_IsRejected()
    {
        var info = new VideoInfo(64, 64, 10, 24, TimeSpan.FromSeconds(1), false, "h264", "hls");

        var e = Assert.Throws<VideoRejectedException>(() => VideoProbe.Check(info, new VideoLimits()));

        Assert.Contains("'hls' is not accepted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RotatedStream_SwapsWidthAndHeight()
    {
        const string json = """
            {"streams": [{"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080, "avg_frame_rate": "30000/1001",
              "duration": "2.002", "nb_frames": "60", "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]},
              {"codec_type": "audio", "codec_name": "aac"}],
             "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "2.01"}}
            """;

        var info = VideoProbe.Parse(json);

        Assert.Equal((1080, 1920, 60L, true), (info.Width, info.Height, info.FrameCount, info.HasAudio));
        Assert.Equal(29.97, info.FramesPerSecond, 2);
    }

    [Fact]
    public void Parse_NoFrameCount_EstimatesFromDurationAndRate()
    {
        const string json = """
            {"streams": [{"codec_type": "video", "codec_name": "vp9", "width": 64, "height": 48, "avg_frame_rate": "25/1", "r_frame_rate": "25/1"}],
             "format": {"format_name": "matroska,webm", "duration": "3.000"}}
            """;

        Assert.Equal(75, VideoProbe.Parse(json).FrameCount);
    }

    [Fact]
    public void Validate_BadLimits_NamesEachSetting()
    {
        var problems = new VideoLimits { MaxBytes = 0, MaxSide = 1, ToolTimeoutSeconds = double.NaN }.Validate();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("MaxBytes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxSide", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ToolTimeoutSeconds", StringComparison.Ordinal));
        Assert.Empty(new VideoLimits().Validate());
    }

    /// <summary>Rewrites every place an MJPEG AVI states its frame size (AVI headers: two int32 LE; JPEG SOF0: two int16 BE).</summary>
    private static byte[] ClaimSize(byte[] avi, int from, int to)
    {
        var result = (byte[])avi.Clone();
        Span<byte> oldAvi = stackalloc byte[8], newAvi = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(oldAvi, from);
        BinaryPrimitives.WriteInt32LittleEndian(oldAvi[4..], from);
        BinaryPrimitives.WriteInt32LittleEndian(newAvi, to);
        BinaryPrimitives.WriteInt32LittleEndian(newAvi[4..], to);
        byte[] oldSof = [0xFF, 0xC0, 0x00, 0x11, 0x08, (byte)(from >> 8), (byte)from, (byte)(from >> 8), (byte)from];
        byte[] newSof = [0xFF, 0xC0, 0x00, 0x11, 0x08, (byte)(to >> 8), (byte)to, (byte)(to >> 8), (byte)to];
        var replaced = Replace(result, oldAvi, newAvi) + Replace(result, oldSof, newSof);
        Assert.True(replaced >= 3, $"expected the AVI and JPEG size fields, patched {replaced}");
        return result;
    }

    private static int Replace(byte[] data, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var count = 0;
        for (var i = data.AsSpan().IndexOf(from); i >= 0;)
        {
            to.CopyTo(data.AsSpan(i));
            count++;
            var next = data.AsSpan(i + from.Length).IndexOf(from);
            i = next < 0 ? -1 : i + from.Length + next;
        }
        return count;
    }
}
