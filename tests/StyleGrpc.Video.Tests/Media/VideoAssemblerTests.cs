using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests.Media;

public sealed class VideoAssemblerTests : IDisposable
{
    private readonly string folder = TestData.NewTempDirectory();
    private readonly VideoProbe probe = new(Clips.Tool);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(VideoContainer.Mp4H264, "aac")]
    [InlineData(VideoContainer.WebmVp9, "opus")]
    public async Task Assemble_PartsWithAudioSource_KeepsEveryFrameAndTheAudio(VideoContainer format, string audioCodec)
    {
        var frames = await Clips.DecodeAsync(Clips.Zoom);
        var parts = await WritePartsAsync(frames, framesPerPart: 20);
        var output = Path.Combine(folder, "final");

        await new VideoAssembler(Clips.Tool).AssembleAsync(parts, Clips.Zoom, format, 24, FrameRange.All, output, Clips.Deadline());

        var info = await probe.InspectAsync(output, new VideoLimits(), Clips.Deadline());
        Assert.True(info.HasAudio);
        Assert.Equal(audioCodec, await AudioCodecAsync(output));
        Assert.Equal(48, (await Clips.DecodeAsync(output)).Count);
        Assert.Equal(2.0, info.Duration.TotalSeconds, 1);
        Assert.False(File.Exists(output + ".parts.txt"));
    }

    [Fact]
    public async Task Assemble_SourceWithoutAudio_GivesNoAudio()
    {
        var frames = await Clips.DecodeAsync(Clips.Pan);
        var parts = await WritePartsAsync(frames, framesPerPart: 16);
        var output = Path.Combine(folder, "final.mp4");

        await new VideoAssembler(Clips.Tool).AssembleAsync(parts, Clips.Pan, VideoContainer.Mp4H264, 24, FrameRange.All, output, Clips.Deadline());

        var info = await probe.InspectAsync(output, new VideoLimits(), Clips.Deadline());
        Assert.False(info.HasAudio);
        var back = await Clips.DecodeAsync(output);
        Assert.Equal(48, back.Count);
        // Parts are copied, not encoded again: the frames are those the parts hold.
        var partFrames = new List<RgbImage>();
        foreach (var part in parts)
        {
            partFrames.AddRange(await Clips.DecodeAsync(part));
        }
        for (var i = 0; i < 48; i++)
        {
            Assert.Equal(partFrames[i].Pixels, back[i].Pixels);
        }
    }

    [Fact]
    public async Task Assemble_Range_CutsTheAudioToTheFrames()
    {
        // Frames 12–35 of the zoom (1 s from 0.5 s).
        var frames = await Clips.DecodeAsync(Clips.Zoom, new VideoDecodeOptions { Range = new FrameRange(12, 24) });
        var parts = await WritePartsAsync(frames, framesPerPart: 10);
        var output = Path.Combine(folder, "final.mp4");

        await new VideoAssembler(Clips.Tool).AssembleAsync(parts, Clips.Zoom, VideoContainer.Mp4H264, 24, new FrameRange(12, 24), output,
            Clips.Deadline());

        var info = await probe.InspectAsync(output, new VideoLimits(), Clips.Deadline());
        Assert.True(info.HasAudio);
        Assert.Equal(24, (await Clips.DecodeAsync(output)).Count);
        var audioSeconds = double.Parse(await ProbeEntryAsync(output, "a:0", "stream=duration"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(audioSeconds, 0.9, 1.1);
    }

    [Fact]
    public async Task Assemble_PartsInAFolderWithQuotesAndSpaces_AreFound()
    {
        var frames = (await Clips.DecodeAsync(Clips.Object, new VideoDecodeOptions { Range = new FrameRange(0, 6) })).ToList();
        var odd = Path.Combine(folder, "it's a 'job' $(x)");
        Directory.CreateDirectory(odd);
        var parts = await WritePartsAsync(frames, framesPerPart: 3, odd);
        var output = Path.Combine(odd, "final.webm");

        await new VideoAssembler(Clips.Tool).AssembleAsync(parts, null, VideoContainer.WebmVp9, 24, FrameRange.All, output, Clips.Deadline());

        Assert.Equal(6, (await Clips.DecodeAsync(output)).Count);
    }

    private async Task<List<string>> WritePartsAsync(List<RgbImage> frames, int framesPerPart, string? into = null)
    {
        var parts = new List<string>();
        foreach (var chunk in frames.Chunk(framesPerPart))
        {
            var path = Path.Combine(into ?? folder, $"part-{parts.Count:D4}.mp4");
            await using var encoder = VideoEncoder.Start(Clips.Tool, path, VideoAssembler.PartContainer,
                new FrameSize(chunk[0].Width, chunk[0].Height), 24, Clips.Deadline());
            foreach (var frame in chunk)
            {
                await encoder.WriteAsync(frame, Clips.Deadline());
            }
            await encoder.CompleteAsync(Clips.Deadline());
            parts.Add(path);
        }
        return parts;
    }

    private static Task<string> AudioCodecAsync(string path) => ProbeEntryAsync(path, "a:0", "stream=codec_name");

    private static async Task<string> ProbeEntryAsync(string path, string stream, string entry) =>
        (await Clips.Tool.RunFfprobeAsync(["-select_streams", stream, "-show_entries", entry, "-of", "default=noprint_wrappers=1:nokey=1", path],
            Clips.Deadline())).Trim();
}
