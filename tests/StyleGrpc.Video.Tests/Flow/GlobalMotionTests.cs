using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Flow;
using Xunit.Abstractions;

namespace StyleGrpc.Video.Tests.Flow;

public sealed class GlobalMotionTests(PanFrames pan, ITestOutputHelper output) : IClassFixture<PanFrames>
{
    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(47)]
    public void Between_Pan_FindsTheWindowsShift(int t)
    {
        // The window moves right 2 px a frame: its content moves 2 px left.
        var (dx, dy) = GlobalMotion.Between(pan.Frames[t - 1], pan.Frames[t]);
        output.WriteLine($"frame {t}: ({dx:0.000}, {dy:0.000})");
        Assert.InRange(dx, -2.1, -1.9);
        Assert.InRange(dy, -0.1, 0.1);
    }

    [Fact]
    public void Between_Reversed_IsTheOppositeMotion()
    {
        var (dx, dy) = GlobalMotion.Between(pan.Frames[11], pan.Frames[10]);
        Assert.InRange(dx, 1.9, 2.1);
        Assert.InRange(dy, -0.1, 0.1);
    }

    [Fact]
    public async Task Between_StillBackgroundWithAMovingObject_IsTheBackgroundsStillness()
    {
        var frames = await Clips.DecodeAsync(Clips.Object);
        var (dx, dy) = GlobalMotion.Between(frames[11], frames[12]);
        output.WriteLine($"object clip: ({dx:0.000}, {dy:0.000})");
        Assert.InRange(Math.Abs(dx) + Math.Abs(dy), 0, 0.5);
    }

    [Fact]
    public void Between_FlatFrames_IsNoMotion()
    {
        var grey = new RgbImage(64, 48, Enumerable.Repeat((byte)128, 64 * 48 * 3).ToArray());
        var (dx, dy) = GlobalMotion.Between(grey, grey);
        Assert.InRange(Math.Abs(dx) + Math.Abs(dy), 0, 1e-6);
    }

    [Fact]
    public async Task Accumulate_OverTheObjectClip_StaysStillAndOverThePanFollowsIt()
    {
        var frames = await Clips.DecodeAsync(Clips.Object);
        var still = (0.0, 0.0);
        for (var t = 1; t < frames.Count; t++)
        {
            still = GlobalMotion.Accumulate(still, GlobalMotion.Between(frames[t - 1], frames[t]));
        }
        Assert.Equal((0.0, 0.0), still);
        var panned = (Dx: 0.0, Dy: 0.0);
        for (var t = 1; t <= 20; t++)
        {
            panned = GlobalMotion.Accumulate(panned, GlobalMotion.Between(pan.Frames[t - 1], pan.Frames[t]));
        }
        Assert.InRange(panned.Dx, -40.5, -39.5);
        Assert.InRange(panned.Dy, -0.5, 0.5);
    }

    [Fact]
    public void Follow_Pan_AccumulatesTheMotionAndPutsTheGridWhereItTookThePicture()
    {
        var total = (Dx: 0.0, Dy: 0.0);
        var phase = GridPhase.None;
        for (var t = 1; t <= 3; t++)
        {
            (total, phase) = GlobalMotion.Follow(total, pan.Frames[t - 1], pan.Frames[t]);
        }
        // 2 px left a frame: −6 after three frames; the grid moves with it, (−round(−6)) mod 4 = 2.
        Assert.InRange(total.Dx, -6.3, -5.7);
        Assert.InRange(total.Dy, -0.5, 0.5);
        Assert.Equal(GridPhase.Following(total.Dx, total.Dy), phase);
        Assert.Equal((2, 0), (phase.X, phase.Y));
    }

    [Fact]
    public void Accumulate_LeavesOutComponentsUnderTheDeadZone()
    {
        Assert.Equal((2.7, 0.0), GlobalMotion.Accumulate((0, 0), (2.7, 0.3)));
        Assert.Equal((1.5, -1.0), GlobalMotion.Accumulate((1, 0), (0.5, -1)));
    }

    [Fact]
    public void Between_FramesOfTwoSizes_Throws()
    {
        var small = new RgbImage(8, 8, new byte[8 * 8 * 3]);
        var e = Assert.Throws<ArgumentException>(() => GlobalMotion.Between(pan.Frames[0], small));
        Assert.Equal("current", e.ParamName);
    }
}
