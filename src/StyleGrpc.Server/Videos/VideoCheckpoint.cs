using System.Buffers.Binary;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// Where a video job is: how many frames are done, how many of them are kept in stored parts, the finished frames not yet
/// in a part (at most a part's worth, as PNG), the last stylised frame (the next frame starts from it), and, for the
/// optimisation method, the optimiser's state inside the next frame. Written as <c>SGV1</c>, the counts, then each
/// image's length and bytes, then the frame's run checkpoint (the engine's format; length 0 when none).
/// </summary>
/// <param name="FramesDone">Frames stylised, in order from the range's first.</param>
/// <param name="Parts">Stored parts (<see cref="Operations.IJobStore.SaveVideoPartAsync"/>) holding the first frames done.</param>
/// <param name="Pending">Finished frames after the stored parts, encoded as PNG.</param>
public sealed record VideoCheckpoint(int FramesDone, int Parts, IReadOnlyList<byte[]> Pending)
{
    private static readonly byte[] Magic = "SGV1"u8.ToArray();

    /// <summary>The last stylised frame (PNG); null before the first.</summary>
    public byte[]? LastOutput { get; init; }

    /// <summary>The optimisation of frame <see cref="FramesDone"/> (the next one) part way; null between frames.</summary>
    public Engine.RunCheckpoint? Frame { get; init; }

    public void WriteTo(Stream stream)
    {
        var number = new byte[4];
        void Put(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, value);
            stream.Write(number);
        }
        void PutBytes(byte[] bytes)
        {
            Put(bytes.Length);
            stream.Write(bytes);
        }
        stream.Write(Magic);
        Put(FramesDone);
        Put(Parts);
        Put(Pending.Count);
        foreach (var frame in Pending)
        {
            PutBytes(frame);
        }
        PutBytes(LastOutput ?? []);
        using var run = new MemoryStream();
        Frame?.WriteTo(run);
        PutBytes(run.ToArray());
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote; <see cref="InvalidDataException"/> when it is damaged or of another format.</summary>
    public static VideoCheckpoint ReadFrom(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("not a video checkpoint");
            }
            var framesDone = reader.ReadInt32();
            var parts = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (framesDone < 0 || parts < 0 || count < 0 || count > framesDone)
            {
                throw new InvalidDataException("the video checkpoint's counts do not add up");
            }
            byte[] Bytes()
            {
                var length = reader.ReadInt32();
                var bytes = length >= 0 ? reader.ReadBytes(length) : [];
                return bytes.Length == length ? bytes : throw new InvalidDataException("the video checkpoint is cut short");
            }
            var pending = new List<byte[]>(count);
            for (var i = 0; i < count; i++)
            {
                pending.Add(Bytes());
            }
            var last = Bytes();
            var frame = Bytes();
            return new VideoCheckpoint(framesDone, parts, pending)
            {
                LastOutput = last.Length == 0 ? null : last,
                Frame = frame.Length == 0 ? null : Engine.RunCheckpoint.ReadFrom(new MemoryStream(frame)),
            };
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the video checkpoint is cut short");
        }
    }

    /// <summary>A frame as the checkpoint keeps it.</summary>
    public static byte[] Encode(RgbImage frame) => ImageCodec.Encode(frame, ImageFormat.Png);
}
