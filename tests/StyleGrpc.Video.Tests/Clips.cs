using OpenCvSharp;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Video.Tests;

/// <summary>The committed clips (<c>tests/data/video</c>, made by its <c>make-clips.sh</c>) and helpers over them.</summary>
internal static class Clips
{
    /// <summary>192×128, 24 fps, 48 frames, the window moving right by 2 px a frame (crop x = 300 + 2n, y = 320 of tubingen.jpg), no audio.</summary>
    public static string Pan => Path("pan.mp4");

    /// <summary>160×120, 24 fps, 48 frames, a zoom, with 2 s of AAC audio.</summary>
    public static string Zoom => Path("zoom.mp4");

    /// <summary>256×160, 24 fps, 36 frames, a 40×50 picture at (23 + 3n, 41 + n) in frame n over a still background, no audio.</summary>
    public static string Object => Path("object.mp4");

    /// <summary>A runner whose runs stop after a minute, so a hang fails the test instead of the run.</summary>
    public static FfmpegTool Tool { get; } = new(timeLimit: TimeSpan.FromSeconds(60));

    /// <summary>Bounds every await of a test.</summary>
    public static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public static string Path(string name)
    {
        var path = System.IO.Path.Combine(TestData.Root, "video", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"test clip {path} is not in the repository (tests/data/video/make-clips.sh makes it)", path);
    }

    public static async Task<VideoDecodePlan> PlanAsync(string path, VideoDecodeOptions? options = null, VideoLimits? limits = null)
    {
        limits ??= new VideoLimits();
        var info = await new VideoProbe(Tool).InspectAsync(path, limits, Deadline());
        return VideoDecodePlan.Create(info, options ?? new VideoDecodeOptions(), limits);
    }

    public static async Task<List<RgbImage>> DecodeAsync(string path, VideoDecodeOptions? options = null)
    {
        var plan = await PlanAsync(path, options);
        var frames = new List<RgbImage>();
        await foreach (var frame in new VideoDecoder(Tool).ReadFramesAsync(path, plan, Deadline()))
        {
            frames.Add(frame);
        }
        return frames;
    }

    /// <summary>The mean absolute difference of two images' bytes, in levels of 255.</summary>
    public static double MeanAbsoluteDifference(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long total = 0;
        for (var i = 0; i < a.Pixels.Length; i++)
        {
            total += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        }
        return (double)total / a.Pixels.Length;
    }

    /// <summary>A crop of a test image, decoded by OpenCV (not ffmpeg), as RGB.</summary>
    public static RgbImage ImageCrop(string image, int x, int y, int width, int height)
    {
        using var bgr = Cv2.ImRead(TestData.Image(image), ImreadModes.Color);
        using var crop = new Mat(bgr, new Rect(x, y, width, height));
        using var rgb = new Mat();
        Cv2.CvtColor(crop, rgb, ColorConversionCodes.BGR2RGB);
        using var plane = rgb.Reshape(1);
        plane.GetArray(out byte[] pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Whether a process whose command line contains <paramref name="marker"/> still runs.</summary>
    public static bool ProcessRunsWith(string marker) =>
        Directory.EnumerateDirectories("/proc").Any(dir =>
        {
            try
            {
                var name = System.IO.Path.GetFileName(dir);
                return name.All(char.IsAsciiDigit) && File.ReadAllText(System.IO.Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });
}
