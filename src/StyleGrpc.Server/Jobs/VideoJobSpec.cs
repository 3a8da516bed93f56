using System.Text.Json.Serialization;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// A checked SubmitStylizeVideo request, as it waits in the queue: the video file's bytes, its decode worked out once (the
/// frames' size, rate and range), and one frame's checked Stylize request (its style, method, options and plan; its
/// content is the range's first frame), which every frame follows.
/// </summary>
/// <param name="Video">The video file (the request's own bytes).</param>
/// <param name="Decode">Which frames, at which size and rate.</param>
/// <param name="Frame">How each frame is stylised: its content image is the range's first frame at the frames' size.</param>
/// <param name="TemporalWeight">How strongly a frame keeps the previous stylised frame where the flow is reliable; 0 = not at all.</param>
/// <param name="Format">Container and codec of the result.</param>
public sealed record VideoJobSpec(ReadOnlyMemory<byte> Video, VideoDecodePlan Decode, StylizeJobSpec Frame, double TemporalWeight, VideoContainer Format) : JobSpec
{
    [JsonIgnore]
    public override JobKind Kind => JobKind.Video;

    [JsonIgnore]
    public override string Network => Frame.Network;

    /// <summary>
    /// One frame's run, plus what the video adds while it runs: the file itself, a few frames at the output size (current, previous, warped,
    /// flows and mask in float) and ffmpeg's decoder and encoder.
    /// </summary>
    [JsonIgnore]
    public override long EstimatedBytes => Frame.EstimatedBytes + Video.Length + 16L * Decode.Size.Width * Decode.Size.Height * 4 + (96L << 20);

    /// <summary>A video's progress counts frames: those the decode should give.</summary>
    [JsonIgnore]
    public override int TotalIterations => (int)Decode.ExpectedFrames;

    /// <summary>Previews (the newest stylised frame) as JPEG: a progress frame stays small.</summary>
    [JsonIgnore]
    public override (Engine.Imaging.ImageFormat Format, int Quality)? FrameImages => (Engine.Imaging.ImageFormat.Jpeg, 85);

    public override string Describe() => $"video of {Decode.ExpectedFrames} frames at {Decode.Size}, {Frame.Describe()}";
}
