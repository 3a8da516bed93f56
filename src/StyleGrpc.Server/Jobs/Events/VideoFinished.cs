using StyleGrpc.Engine;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Jobs.Events;

/// <summary>A video job completed; always the last event of a successful one.</summary>
/// <param name="JobId">The job's ID.</param>
/// <param name="Video">The encoded video when it goes inline; empty when <see cref="Chunked"/>.</param>
/// <param name="Format">Its container and codec.</param>
/// <param name="Frames">Frames it holds.</param>
/// <param name="Size">Its frame size.</param>
/// <param name="FramesPerSecond">Its frame rate.</param>
/// <param name="Audio">True when the source's audio was kept.</param>
/// <param name="Method">How its frames were made.</param>
/// <param name="TemporalWeight">The temporal weight its frames were made with.</param>
/// <param name="LastFrame">The last frame's result: its losses and the settings on record.</param>
/// <param name="QueueTime">Time from admission to start.</param>
/// <param name="RunTime">Time this attempt ran.</param>
public sealed record VideoFinished(string JobId, byte[] Video, VideoContainer Format, int Frames, FrameSize Size, double FramesPerSecond, bool Audio, StylizeMethod Method, double TemporalWeight,
    StyleTransferResult LastFrame, TimeSpan QueueTime, TimeSpan RunTime) : JobEvent
{
    /// <summary>The attempt that finished the job: 1 = never resumed.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The encoded video's size in bytes, inline or not.</summary>
    public long VideoSize { get; init; }

    /// <summary>True when the video was too large to go inline: it is in the job store in chunks (<see cref="Operations.IJobStore.ReadVideoResultChunkAsync"/>).</summary>
    public bool Chunked { get; init; }
}
