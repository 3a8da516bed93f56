namespace StyleGrpc.Client;

/// <summary>Container and codecs of a stylised video.</summary>
public enum VideoFormat
{
    /// <summary>MP4 with H.264 (yuv420p) and AAC audio: plays everywhere (the default).</summary>
    Mp4,

    /// <summary>WebM with VP9 and Opus audio.</summary>
    WebM,
}
