using StyleGrpc.Engine.Imaging;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// Encodes the part a video job is filling while it fills it: each finished frame goes to ffmpeg as soon as it is made, so
/// encoding runs beside the stylisation instead of after every part, and finishing a part waits only for ffmpeg's last
/// frames. The frames stay in the checkpoint (<see cref="VideoProgress.Pending"/>) until the part is stored: an attempt
/// that resumes starts a new encoder and writes the checkpoint's frames into it first.
/// </summary>
/// <remarks>Not thread-safe: the run owns it. Disposed before a part is finished, it kills ffmpeg and keeps no file.</remarks>
internal sealed class VideoPartWriter(FfmpegTool tool, string folder, FrameSize size, double framesPerSecond) : IAsyncDisposable
{
    private VideoEncoder? encoder;
    private string path = "";
    private int written;
    private int parts;

    /// <summary>
    /// Brings the part up to <paramref name="pending"/>: starts its encoder when none runs and writes the frames it lacks,
    /// the newest from <paramref name="newest"/> (already in memory) when given, the others decoded from the checkpoint.
    /// </summary>
    public async Task WriteAsync(IReadOnlyList<byte[]> pending, RgbImage? newest, CancellationToken cancellationToken)
    {
        if (written >= pending.Count)
        {
            return;
        }
        if (encoder is null)
        {
            path = Path.Combine(folder, $"part-{parts++}.mp4");
            encoder = VideoEncoder.Start(tool, path, VideoAssembler.PartContainer, size, framesPerSecond, cancellationToken);
        }
        for (; written < pending.Count; written++)
        {
            var frame = written == pending.Count - 1 && newest is not null ? newest : VideoCheckpoint.Decode(pending[written]);
            await encoder.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Finishes the part of <paramref name="pending"/> (writing any frame it lacks) and gives the file's bytes.</summary>
    public async Task<byte[]> FinishAsync(IReadOnlyList<byte[]> pending, CancellationToken cancellationToken)
    {
        await WriteAsync(pending, null, cancellationToken).ConfigureAwait(false);
        await encoder!.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await encoder.DisposeAsync().ConfigureAwait(false);
        (encoder, written) = (null, 0);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        File.Delete(path);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        if (encoder is not null)
        {
            await encoder.DisposeAsync().ConfigureAwait(false);
            encoder = null;
        }
    }
}
