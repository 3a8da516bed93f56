using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// Where a video job's attempt is: frames done, parts stored, the finished frames not yet in a part, and the last stylised
/// frame; starts from a checkpoint when the attempt resumes one. Not thread-safe: one run owns it.
/// </summary>
public sealed class VideoProgress
{
    private readonly List<byte[]> pending;
    private byte[]? lastOutputKept;
    private Engine.RunCheckpoint? resumeFrame;

    /// <param name="resume">The checkpoint this attempt continues from; null = from the first frame.</param>
    public VideoProgress(VideoCheckpoint? resume)
    {
        Done = ResumedFrom = resume?.FramesDone ?? 0;
        Parts = resume?.Parts ?? 0;
        pending = [.. resume?.Pending ?? []];
        lastOutputKept = resume?.LastOutput;
        LastOutput = lastOutputKept is null ? null : VideoCheckpoint.Decode(lastOutputKept);
        resumeFrame = resume?.Frame;
        Motion = resume?.Motion ?? (0, 0);
    }

    public int Done { get; private set; }

    /// <summary>Frames done before this attempt.</summary>
    public int ResumedFrom { get; }

    public int Parts { get; private set; }

    /// <summary>Finished frames after the stored parts (<see cref="VideoCheckpoint.Encode"/>).</summary>
    public IReadOnlyList<byte[]> Pending => pending;

    /// <summary>The last stylised frame; null before the first.</summary>
    public RgbImage? LastOutput { get; private set; }

    /// <summary>How far the picture moved from the range's first frame to the last one done (<see cref="VideoCheckpoint.Motion"/>).</summary>
    public (double Dx, double Dy) Motion { get; private set; }

    /// <summary>A frame is finished; <paramref name="motion"/> is the picture's motion up to it (feed-forward jobs follow it).</summary>
    public void Finish(RgbImage output, (double Dx, double Dy) motion = default)
    {
        lastOutputKept = VideoCheckpoint.Encode(output);
        pending.Add(lastOutputKept);
        LastOutput = output;
        Motion = motion;
        Done++;
    }

    /// <summary>The pending frames were stored as the next part.</summary>
    public void PartStored()
    {
        Parts++;
        pending.Clear();
    }

    /// <summary>The checkpoint after a finished frame, or inside the next one (<paramref name="frame"/>, the optimiser's state).</summary>
    public VideoCheckpoint Checkpoint(Engine.RunCheckpoint? frame = null) =>
        new(Done, Parts, [.. pending]) { LastOutput = lastOutputKept, Frame = frame, Motion = Motion };

    /// <summary>The optimiser's state the next frame resumes from, once: the frame the attempt resumed inside.</summary>
    public Engine.RunCheckpoint? TakeResumedFrame()
    {
        var frame = resumeFrame;
        resumeFrame = null;
        return frame;
    }
}
