extern alias server;

using server::StyleGrpc.Server.Videos;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Tests;

public sealed class VideoCheckpointTests
{
    private static RgbImage Noise(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    [Fact]
    public void Frame_KeptAndRead_IsTheSameFrame()
    {
        var frame = Noise(34, 18, 1);

        var kept = VideoCheckpoint.Encode(frame);
        var read = VideoCheckpoint.Decode(kept);

        Assert.Equal((frame.Width, frame.Height), (read.Width, read.Height));
        Assert.Equal(frame.Pixels, read.Pixels);
    }

    // Checkpoints written before the compact frame format kept PNGs: a job resumed across the upgrade still reads them.
    [Fact]
    public void Frame_KeptAsPngByAnEarlierVersion_IsRead()
    {
        var frame = Noise(20, 12, 2);

        var read = VideoCheckpoint.Decode(ImageCodec.Encode(frame, ImageFormat.Png));

        Assert.Equal(frame.Pixels, read.Pixels);
    }

    [Fact]
    public void Frame_CutShortOrDamaged_IsInvalidData()
    {
        var kept = VideoCheckpoint.Encode(Noise(40, 30, 3));

        Assert.Throws<InvalidDataException>(() => VideoCheckpoint.Decode(kept[..(kept.Length / 2)]));
        Assert.Throws<InvalidDataException>(() => VideoCheckpoint.Decode(kept[..10]));
        Assert.Throws<InvalidDataException>(() => VideoCheckpoint.Decode("not a frame at all"u8.ToArray()));
    }

    [Fact]
    public void Checkpoint_WrittenAndRead_KeepsCountsAndFrames()
    {
        var frames = new[] { Noise(16, 8, 4), Noise(16, 8, 5) };
        var checkpoint = new VideoCheckpoint(14, 1, [.. frames.Select(VideoCheckpoint.Encode)]) { LastOutput = VideoCheckpoint.Encode(frames[1]) };
        using var stream = new MemoryStream();

        checkpoint.WriteTo(stream);
        stream.Position = 0;
        var read = VideoCheckpoint.ReadFrom(stream);

        Assert.Equal((14, 1, 2), (read.FramesDone, read.Parts, read.Pending.Count));
        Assert.Equal(frames[0].Pixels, VideoCheckpoint.Decode(read.Pending[0]).Pixels);
        Assert.Equal(frames[1].Pixels, VideoCheckpoint.Decode(read.LastOutput!).Pixels);
        Assert.Null(read.Frame);
        Assert.Equal((0.0, 0.0), read.Motion);
    }

    [Fact]
    public void Checkpoint_KeepsThePicturesMotion_AndOneWrittenBeforeItReadsAsNone()
    {
        var frame = VideoCheckpoint.Encode(Noise(16, 8, 4));
        var checkpoint = new VideoCheckpoint(3, 0, [frame]) { LastOutput = frame, Motion = (-41.25, 7.5) };
        using var stream = new MemoryStream();
        checkpoint.WriteTo(stream);
        var bytes = stream.ToArray();

        Assert.Equal((-41.25, 7.5), VideoCheckpoint.ReadFrom(new MemoryStream(bytes)).Motion);
        // The motion and its marker are the last 20 bytes: without them, the format of the checkpoints before it.
        var older = VideoCheckpoint.ReadFrom(new MemoryStream(bytes[..^20]));
        Assert.Equal((3, (0.0, 0.0)), (older.FramesDone, older.Motion));
        Assert.Throws<InvalidDataException>(() => VideoCheckpoint.ReadFrom(new MemoryStream(bytes[..^4])));
        var foreign = (byte[])bytes.Clone();
        foreign[^20] = (byte)'X';
        Assert.Throws<InvalidDataException>(() => VideoCheckpoint.ReadFrom(new MemoryStream(foreign)));
        // A resumed attempt starts from it.
        Assert.Equal((-41.25, 7.5), new VideoProgress(VideoCheckpoint.ReadFrom(new MemoryStream(bytes))).Motion);
    }
}
