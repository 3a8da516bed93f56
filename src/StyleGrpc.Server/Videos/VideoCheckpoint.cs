using System.Buffers.Binary;
using System.IO.Compression;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// Where a video job is: how many frames are done, how many of them are kept in stored parts, the finished frames not yet
/// in a part (at most a part's worth, <see cref="Encode"/>), the last stylised frame (the next frame starts from it), and, for the
/// optimisation method, the optimiser's state inside the next frame. Written as <c>SGV1</c>, the counts, then each
/// image's length and bytes, then the frame's run checkpoint (the engine's format; length 0 when none), then <c>SGM1</c> and
/// the picture's motion (two float64).
/// </summary>
/// <param name="FramesDone">Frames stylised, in order from the range's first.</param>
/// <param name="Parts">Stored parts (<see cref="Operations.IJobStore.SaveVideoPartAsync"/>) holding the first frames done.</param>
/// <param name="Pending">Finished frames after the stored parts, as <see cref="Encode"/> keeps them.</param>
public sealed record VideoCheckpoint(int FramesDone, int Parts, IReadOnlyList<byte[]> Pending)
{
    private static readonly byte[] Magic = "SGV1"u8.ToArray();
    private static readonly byte[] FrameMagic = "SGF1"u8.ToArray();
    private static readonly byte[] MotionMagic = "SGM1"u8.ToArray();

    /// <summary>The last stylised frame (<see cref="Encode"/>); null before the first.</summary>
    public byte[]? LastOutput { get; init; }

    /// <summary>The optimisation of frame <see cref="FramesDone"/> (the next one) part way; null between frames.</summary>
    public Engine.RunCheckpoint? Frame { get; init; }

    /// <summary>
    /// How far the picture moved from the range's first frame to the last one done (<see cref="Video.Flow.GlobalMotion"/>):
    /// where a feed-forward job's next frame puts the network's grid. (0, 0) in checkpoints written before it was kept.
    /// </summary>
    public (double Dx, double Dy) Motion { get; init; }

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
        stream.Write(MotionMagic);
        var motion = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(motion, Motion.Dx);
        BinaryPrimitives.WriteDoubleLittleEndian(motion.AsSpan(8), Motion.Dy);
        stream.Write(motion);
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
            // The motion came later: a checkpoint without it ends here.
            var marker = reader.ReadBytes(MotionMagic.Length);
            (double, double) motion = (0, 0);
            if (marker.Length > 0)
            {
                if (!marker.AsSpan().SequenceEqual(MotionMagic))
                {
                    throw new InvalidDataException("the video checkpoint has unknown bytes after its frames");
                }
                motion = (reader.ReadDouble(), reader.ReadDouble());
                if (!double.IsFinite(motion.Item1) || !double.IsFinite(motion.Item2))
                {
                    throw new InvalidDataException("the video checkpoint's motion is not a number");
                }
            }
            return new VideoCheckpoint(framesDone, parts, pending)
            {
                LastOutput = last.Length == 0 ? null : last,
                Frame = frame.Length == 0 ? null : Engine.RunCheckpoint.ReadFrom(new MemoryStream(frame)),
                Motion = motion,
            };
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the video checkpoint is cut short");
        }
    }

    /// <summary>
    /// A frame as the checkpoint keeps it, lossless and cheap to make (a frame is kept after every frame a job makes):
    /// <c>SGF1</c>, width and height (int32, little-endian), then the RGB bytes compressed with Brotli at its fastest
    /// (about 2 ms for 512×288 here, against 28 ms for a PNG of about the same size).
    /// </summary>
    public static byte[] Encode(RgbImage frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        using var bytes = new MemoryStream(frame.Pixels.Length / 2 + 16);
        bytes.Write(FrameMagic);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, frame.Width);
        bytes.Write(number);
        BinaryPrimitives.WriteInt32LittleEndian(number, frame.Height);
        bytes.Write(number);
        using (var brotli = new BrotliStream(bytes, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(frame.Pixels);
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// A frame <see cref="Encode"/> kept, or a PNG (the frames of checkpoints written before <c>SGF1</c>);
    /// <see cref="InvalidDataException"/> when it is neither or damaged.
    /// </summary>
    public static RgbImage Decode(byte[] kept)
    {
        ArgumentNullException.ThrowIfNull(kept);
        if (!kept.AsSpan().StartsWith(FrameMagic))
        {
            try
            {
                return ImageCodec.Decode(kept);
            }
            catch (ImageDecodeException ex)
            {
                throw new InvalidDataException("a frame of the video checkpoint is damaged", ex);
            }
        }
        var width = kept.Length >= 12 ? BinaryPrimitives.ReadInt32LittleEndian(kept.AsSpan(4)) : 0;
        var height = kept.Length >= 12 ? BinaryPrimitives.ReadInt32LittleEndian(kept.AsSpan(8)) : 0;
        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue / 3)
        {
            throw new InvalidDataException("a frame of the video checkpoint has no valid size");
        }
        var pixels = new byte[width * height * 3];
        using var brotli = new BrotliStream(new MemoryStream(kept, 12, kept.Length - 12), CompressionMode.Decompress);
        try
        {
            brotli.ReadExactly(pixels);
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException("a frame of the video checkpoint is cut short or damaged", ex);
        }
        return new RgbImage(width, height, pixels);
    }
}
