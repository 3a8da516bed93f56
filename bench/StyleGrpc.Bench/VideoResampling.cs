using System.Globalization;
using System.Text;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Flow;

namespace StyleGrpc.Bench;

/// <summary>
/// "Video", part <c>resample</c>: what carrying a stylised frame along a motion costs on the style measure, with no motion
/// of the picture itself. A few of the pan's frames are stylised on their own, then each output is warped as the temporal
/// guides warp the previous output (<see cref="FrameWarp.Warp"/>, bicubic): moved by a whole pixel (exact, the control), by half
/// a pixel, and magnified by 1 % (one frame of the pan's zoom) and 3 %; the shift-averaged style loss of each against the
/// output itself. A consistent output of a zoom is, by definition, the previous output carried along such a warp.
/// </summary>
internal static class VideoResampling
{
    private static readonly (string Name, Func<int, int, FlowField> Flow)[] Warps =
    [
        ("moved by (1, 0) px (exact; the control)", (w, h) => Uniform(w, h, -1, 0)),
        ("moved by (0.5, 0.5) px", (w, h) => Uniform(w, h, -0.5f, -0.5f)),
        ("magnified 1 % about the centre", (w, h) => Zoom(w, h, 1.01)),
        ("magnified 3 % about the centre", (w, h) => Zoom(w, h, 1.03)),
    ];

    public static string Measure(StyleTransferEngine engine, StyleTargets style, FeedForwardModel model, IReadOnlyList<RgbImage> frames)
    {
        var md = new StringBuilder("### What a warp costs on the style measure\n\n");
        md.AppendLine($"Frames {string.Join(", ", Picked(frames.Count))} of the pan, each stylised on its own (512×288), then warped by `FrameWarp.Warp` " +
            "(bicubic, as the temporal guides warp the previous output) with no change of the input; the shift-averaged style loss of the warped output " +
            "against the output's own, mean over the frames. A zoom's steady output is the previous one carried along such a warp.\n");
        md.AppendLine("| warp of the output | style, shift-averaged | change |");
        md.AppendLine("|---|---:|---:|");
        var options = new StyleTransferOptions();
        var picked = Picked(frames.Count).Select(t => (Input: frames[t], Output: model.Stylize(frames[t], GridPhase.None, CancellationToken.None))).ToList();
        var own = picked.Average(p => VideoBench.ShiftAveragedStyle(engine, style, options, p.Output, p.Input));
        md.AppendLine($"| none | {own:E3} | |");
        var line = new StringBuilder("  resampling the output:");
        foreach (var (name, flow) in Warps)
        {
            var loss = picked.Average(p =>
                VideoBench.ShiftAveragedStyle(engine, style, options, FrameWarp.Warp(p.Output, flow(p.Output.Width, p.Output.Height)), p.Input));
            var change = (loss / own - 1) * 100;
            md.AppendLine($"| {name} | {loss:E3} | {change.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)} % |");
            line.Append(CultureInfo.InvariantCulture, $" {name}: {change:+0.0;-0.0} %;");
        }
        Console.WriteLine(line.ToString());
        return md.AppendLine().ToString();
    }

    private static int[] Picked(int count) => [.. new[] { 0, count / 2, count - 1 }.Distinct()];

    // out(x) = output(x + (dx, dy)): the output moved by (−dx, −dy).
    private static FlowField Uniform(int width, int height, float dx, float dy) =>
        new(width, height, Enumerable.Repeat(dx, width * height).ToArray(), Enumerable.Repeat(dy, width * height).ToArray());

    // out(x) = output(c + (x − c) / s): the output magnified by s about its centre c.
    private static FlowField Zoom(int width, int height, double scale)
    {
        var (dx, dy) = (new float[width * height], new float[width * height]);
        var (cx, cy) = ((width - 1) / 2.0, (height - 1) / 2.0);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                dx[y * width + x] = (float)((x - cx) * (1 / scale - 1));
                dy[y * width + x] = (float)((y - cy) * (1 / scale - 1));
            }
        }
        return new FlowField(width, height, dx, dy);
    }
}
