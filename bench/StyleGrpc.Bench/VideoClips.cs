using System.Globalization;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Bench;

/// <summary>
/// The clips of "Video", made at bench time with ffmpeg from tests/data/images (none is committed): exact motions, so the
/// flow has something true to find. H.264, yuv420p, CRF 18, 24 fps, no audio.
/// </summary>
internal static class VideoClips
{
    public const double FramesPerSecond = 24;

    /// <summary>A 512×288 window panning right over tubingen.jpg (scaled to 1024 wide) by 3 px a frame, slowly zooming in (1 % a frame).</summary>
    public static Task<string> PanAsync(FfmpegTool tool, string images, string folder, int frames) =>
        MakeAsync(tool, Path.Combine(folder, $"pan-{frames}.mp4"), frames,
            ["-loop", "1", "-framerate", "24", "-i", Path.Combine(images, "tubingen.jpg")],
            // Zoom by scaling the whole picture per frame (eval=frame), then a moving crop: sub-pixel exact, no zoompan jitter.
            ["-vf", "scale=w='trunc(1024*(1+0.01*n)/2)*2':h=-2:eval=frame,crop=512:288:'160+3*n':'220+2*n',format=yuv420p"]);

    /// <summary>
    /// The pan without its zoom: a 512×288 window moving right and down over tubingen.jpg (scaled to 1024 wide) by (3, 2) px a
    /// frame, so every output stroke can be carried along unchanged in size.
    /// </summary>
    public static Task<string> SlideAsync(FfmpegTool tool, string images, string folder, int frames) =>
        MakeAsync(tool, Path.Combine(folder, $"slide-{frames}.mp4"), frames,
            ["-loop", "1", "-framerate", "24", "-i", Path.Combine(images, "tubingen.jpg")],
            ["-vf", "scale=1024:-2,crop=512:288:'160+3*n':'220+2*n',format=yuv420p"]);

    /// <summary>the_scream.jpg shrunk to 96×120 moving by (+5, +1) px a frame over shipwreck.jpg shrunk to 512×288.</summary>
    public static Task<string> ObjectAsync(FfmpegTool tool, string images, string folder, int frames) =>
        MakeAsync(tool, Path.Combine(folder, $"object-{frames}.mp4"), frames,
            ["-loop", "1", "-framerate", "24", "-i", Path.Combine(images, "shipwreck.jpg"), "-loop", "1", "-framerate", "24", "-i", Path.Combine(images, "the_scream.jpg")],
            ["-filter_complex", "[0:v]scale=512:288,setsar=1[bg];[1:v]scale=96:120[fg];[bg][fg]overlay=x='20+5*n':y='60+n':eval=frame,format=yuv420p"]);

    /// <summary>
    /// 1280×720 for <paramref name="seconds"/> s: a window swaying left and right over tubingen.jpg scaled to 2048 wide (so the
    /// motion never runs out of picture, however long the clip).
    /// </summary>
    public static Task<string> Pan720Async(FfmpegTool tool, string images, string folder, int seconds) =>
        MakeAsync(tool, Path.Combine(folder, $"pan720-{seconds}s.mp4"), (int)(seconds * FramesPerSecond),
            ["-loop", "1", "-framerate", "24", "-i", Path.Combine(images, "tubingen.jpg")],
            ["-vf", "scale=2048:-2,crop=1280:720:'384+380*sin(n/60)':'300+200*sin(n/90)',format=yuv420p"], preset: "veryfast", crf: "23");

    private static async Task<string> MakeAsync(FfmpegTool tool, string path, int frames, string[] inputs, string[] filter,
        string preset = "medium", string crf = "18")
    {
        if (File.Exists(path))
        {
            return path;
        }
        await tool.RunFfmpegAsync([.. inputs, .. filter, "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-r", "24",
            "-c:v", "libx264", "-preset", preset, "-crf", crf, "-pix_fmt", "yuv420p", "-an", "-y", path], CancellationToken.None);
        return path;
    }
}
