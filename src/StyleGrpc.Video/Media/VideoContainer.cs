namespace StyleGrpc.Video.Media;

/// <summary>The output formats, each one container with one codec set, fast on two cores.</summary>
public enum VideoContainer
{
    /// <summary>
    /// MP4 with H.264 (libx264, yuv420p, CRF 18, preset veryfast, <c>+faststart</c>) and AAC audio. Also the format of
    /// the parts <see cref="VideoAssembler"/> joins.
    /// </summary>
    Mp4H264,

    /// <summary>WebM with VP9 (libvpx-vp9, yuv420p, CRF 32 constant quality, realtime, cpu-used 8) and Opus audio.</summary>
    WebmVp9,
}
