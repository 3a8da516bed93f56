namespace StyleGrpc.Video.Media;

/// <summary>What ffprobe says of a video file (its first video stream), as <see cref="VideoProbe"/> reads it.</summary>
/// <param name="Width">Displayed width in pixels (a 90° or 270° rotation tag already applied, as ffmpeg decodes it).</param>
/// <param name="Height">Displayed height in pixels (likewise).</param>
/// <param name="FrameCount">
/// Frames in the stream: the container's count where it has one (MP4), else duration × frame rate rounded (Matroska,
/// WebM). An estimate for planning; decoding gives the real frames, and never more than <see cref="VideoLimits.MaxFrames"/>.
/// </param>
/// <param name="FramesPerSecond">Average frame rate (ffprobe's <c>avg_frame_rate</c>, else <c>r_frame_rate</c>), frames per second.</param>
/// <param name="Duration">The video stream's duration, else the file's.</param>
/// <param name="HasAudio">Whether the file has an audio stream.</param>
/// <param name="VideoCodec">ffmpeg's name of the video codec, e.g. <c>h264</c>, <c>vp9</c>.</param>
/// <param name="FormatName">ffmpeg's name of the container, e.g. <c>mov,mp4,m4a,3gp,3g2,mj2</c> or <c>matroska,webm</c>.</param>
public sealed record VideoInfo(
    int Width,
    int Height,
    long FrameCount,
    double FramesPerSecond,
    TimeSpan Duration,
    bool HasAudio,
    string VideoCodec,
    string FormatName);
