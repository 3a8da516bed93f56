using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests.Media;

public sealed class VideoDecoderTests
{
    [Fact]
    public async Task ReadFrames_PanClip_GivesEveryFrameAtItsSize()
    {
        var frames = await Clips.DecodeAsync(Clips.Pan);

        Assert.Equal(48, frames.Count);
        Assert.All(frames, f => Assert.Equal((192, 128), (f.Width, f.Height)));
    }

    [Fact]
    public async Task ReadFrames_PanClip_FramesAreTheCropsOfThePhoto()
    {
        var frames = await Clips.DecodeAsync(Clips.Pan);

        // Frame n is the crop at x = 300 + 2n, y = 320 (make-clips.sh); JPEG decoders, yuv420p and CRF 18 differ by a few levels.
        var first = Clips.MeanAbsoluteDifference(frames[0], Clips.ImageCrop("tubingen.jpg", 300, 320, 192, 128));
        var last = Clips.MeanAbsoluteDifference(frames[47], Clips.ImageCrop("tubingen.jpg", 394, 320, 192, 128));
        var elsewhere = Clips.MeanAbsoluteDifference(frames[0], Clips.ImageCrop("tubingen.jpg", 340, 320, 192, 128));

        Assert.True(first < 6, $"first frame differs from its crop by {first:0.00} levels");
        Assert.True(last < 6, $"last frame differs from its crop by {last:0.00} levels");
        Assert.True(elsewhere > 4 * first, $"a crop 40 px away differs by {elsewhere:0.00} levels only, the right one by {first:0.00}");
    }

    [Fact]
    public async Task ReadFrames_MaxSide_ShrinksToEvenSides()
    {
        var frames = await Clips.DecodeAsync(Clips.Object, new VideoDecodeOptions { MaxSide = 101 });

        Assert.Equal(36, frames.Count);
        Assert.All(frames, f => Assert.Equal((100, 62), (f.Width, f.Height)));
    }

    [Fact]
    public async Task ReadFrames_Range_TakesExactlyThoseFrames()
    {
        var all = await Clips.DecodeAsync(Clips.Pan);
        var some = await Clips.DecodeAsync(Clips.Pan, new VideoDecodeOptions { Range = new FrameRange(10, 5) });
        var tail = await Clips.DecodeAsync(Clips.Pan, new VideoDecodeOptions { Range = new FrameRange(40) });

        Assert.Equal(5, some.Count);
        Assert.Equal(8, tail.Count);
        for (var i = 0; i < some.Count; i++)
        {
            Assert.Equal(all[10 + i].Pixels, some[i].Pixels);
        }
        Assert.Equal(all[47].Pixels, tail[^1].Pixels);
    }

    [Fact]
    public async Task ReadFrames_FrameRate_ResamplesTheFrames()
    {
        var all = await Clips.DecodeAsync(Clips.Pan);
        var half = await Clips.DecodeAsync(Clips.Pan, new VideoDecodeOptions { FramesPerSecond = 12 });

        Assert.Equal(24, half.Count);
        // Every other frame: each resampled frame is one of the source's.
        Assert.All(half, f => Assert.Contains(all, a => a.Pixels.AsSpan().SequenceEqual(f.Pixels)));
    }

    [Fact]
    public async Task ReadFrames_SlowConsumer_IsNotKilledByTheTimeLimit()
    {
        // The limit counts ffmpeg's time, not ours: 48 frames × 120 ms is well past a 4 s limit (which leaves ffmpeg room on
        // a loaded machine).
        var tool = new FfmpegTool(timeLimit: TimeSpan.FromSeconds(4));
        var plan = await Clips.PlanAsync(Clips.Pan);
        var count = 0;
        await foreach (var frame in new VideoDecoder(tool).ReadFramesAsync(Clips.Pan, plan, Clips.Deadline()))
        {
            await Task.Delay(120, Clips.Deadline());
            count++;
        }

        Assert.Equal(48, count);
    }

    [Fact]
    public async Task ReadFrames_MoreFramesThanTheLimit_IsRejected()
    {
        var info = await new VideoProbe(Clips.Tool).ProbeAsync(Clips.Pan, Clips.Deadline());
        // A file holding more frames than its probe said: the decoder counts for itself.
        var plan = VideoDecodePlan.Create(info, new VideoDecodeOptions(), new VideoLimits()) with { MaxFrames = 30 };

        var e = await Assert.ThrowsAsync<VideoRejectedException>(async () =>
        {
            await foreach (var _ in new VideoDecoder(Clips.Tool).ReadFramesAsync(Clips.Pan, plan, Clips.Deadline()))
            {
            }
        });

        Assert.Equal("video", e.Field);
        Assert.Contains("more than 30 frames", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFrames_Cancelled_StopsFfmpeg()
    {
        var plan = await Clips.PlanAsync(Clips.Pan);
        using var cancel = new CancellationTokenSource();
        var count = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in new VideoDecoder(Clips.Tool).ReadFramesAsync(Clips.Pan, plan, cancel.Token))
            {
                if (++count == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(3, count);
    }
}
