using System.Runtime.InteropServices;
using System.Text;
using StyleGrpc.Engine.Optimization;

namespace StyleGrpc.Engine;

/// <summary>
/// Where a running job was, with what it needs to continue: the level and iteration counts, the run time so far, the image
/// being optimised and the optimiser's state. Plain data (no tensors): the host writes it with <see cref="WriteTo"/>, keeps
/// the bytes where it likes and hands <see cref="ReadFrom"/>'s result back through <see cref="RunCheckpointing.ResumeFrom"/>
/// with the same <see cref="RunPlan"/>. A checkpoint at a level boundary holds the next level's starting image and no
/// optimiser state (<see cref="LevelIteration"/> = 0).
/// </summary>
public sealed class RunCheckpoint
{
    /// <summary>The binary format <see cref="WriteTo"/> writes; <see cref="ReadFrom"/> reads only this one.</summary>
    public const int FormatVersion = 1;

    // "SGCK": StyleGrpc checkpoint.
    private static readonly byte[] Magic = "SGCK"u8.ToArray();
    private const int MaxMoments = 8;
    private const int MaxTotals = 1_000_000;

    /// <summary>Fingerprint of the network the run's plan was made for (<see cref="RunPlan.NetworkFingerprint"/>).</summary>
    public required string NetworkFingerprint { get; init; }

    /// <summary>Scale levels of the run's plan (1 for a single-scale run).</summary>
    public required int Levels { get; init; }

    /// <summary>0-based index of the level to continue at (in the plan's <see cref="RunPlan.Levels"/>).</summary>
    public required int Level { get; init; }

    /// <summary>Iterations done so far over all levels; the resumed run's first iteration is this + 1.</summary>
    public required int Iteration { get; init; }

    /// <summary>Iterations done within <see cref="Level"/> (0 at a level boundary).</summary>
    public required int LevelIteration { get; init; }

    /// <summary>Run time before the checkpoint (from the start of the first attempt), added to the resumed run's clock.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Width of <see cref="Image"/>: the planned width of <see cref="Level"/>, in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Height of <see cref="Image"/>: the planned height of <see cref="Level"/>, in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>
    /// The image being optimised, float32 channel-major (3 × <see cref="Height"/> × <see cref="Width"/>, RGB, nominally in
    /// [0, 1]): exactly the optimiser's variable, not clamped or rounded to bytes.
    /// </summary>
    public required float[] Image { get; init; }

    /// <summary>The optimiser the run uses; a checkpoint is only resumed with the same.</summary>
    public required OptimizerKind Optimizer { get; init; }

    /// <summary>Adam/RMSprop: steps taken by the optimiser within the level (for Adam's bias correction); else 0.</summary>
    public long OptimizerStep { get; init; }

    /// <summary>
    /// Adam/RMSprop: the optimiser's per-pixel state, each as long as <see cref="Image"/> (Adam: first and second moment;
    /// RMSprop: the square average). Empty at a level boundary and for L-BFGS.
    /// </summary>
    public IReadOnlyList<float[]> OptimizerMoments { get; init; } = [];

    /// <summary>
    /// L-BFGS: the inverse-Hessian scale (<c>s·y / y·y</c>) last measured. At a level boundary it is the finished level's,
    /// which the next level's first step uses as an uninterrupted run's does. Within a level it is informational: the
    /// resumed L-BFGS restarts its (s, y) history with PyTorch's cautious first step (a step scaled by it overshot). Null
    /// when none was measured.
    /// </summary>
    public double? Curvature { get; init; }

    /// <summary>The style weight coarse levels use when it was balanced automatically (so a resume does not recompute it); else null.</summary>
    public double? CoarseStyleWeight { get; init; }

    /// <summary>The level's latest total losses, oldest first (what <see cref="StyleTransferOptions.RelativeTolerance"/>'s stop rule looks back on).</summary>
    public IReadOnlyList<double> RecentTotals { get; init; } = [];

    /// <summary>How many times the run that wrote this had been resumed before (0 for a first attempt).</summary>
    public int Resumes { get; init; }

    /// <summary>
    /// Writes the checkpoint to <paramref name="stream"/> (left open): the magic <c>SGCK</c>, <see cref="FormatVersion"/>,
    /// then the fields, little-endian. About 4 bytes per pixel and channel for the image and as much again per moment.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(NetworkFingerprint);
        writer.Write(Levels);
        writer.Write(Level);
        writer.Write(Iteration);
        writer.Write(LevelIteration);
        writer.Write(Elapsed.Ticks);
        writer.Write(Width);
        writer.Write(Height);
        WriteFloats(writer, Image);
        writer.Write((int)Optimizer);
        writer.Write(OptimizerStep);
        writer.Write(OptimizerMoments.Count);
        foreach (var moment in OptimizerMoments)
        {
            WriteFloats(writer, moment);
        }
        WriteOptional(writer, Curvature);
        WriteOptional(writer, CoarseStyleWeight);
        writer.Write(RecentTotals.Count);
        foreach (var total in RecentTotals)
        {
            writer.Write(total);
        }
        writer.Write(Resumes);
    }

    /// <summary>The checkpoint written by <see cref="WriteTo"/> at <paramref name="stream"/>'s position (left open).</summary>
    /// <exception cref="InvalidDataException">The stream is not a checkpoint of this format version, is truncated or inconsistent.</exception>
    public static RunCheckpoint ReadFrom(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("not a StyleGrpc run checkpoint (no SGCK header)");
            }
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"run checkpoint format {version} is not supported (this engine reads {FormatVersion})");
            }
            var fingerprint = reader.ReadString();
            var (levels, level, iteration, levelIteration) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            var elapsed = new TimeSpan(reader.ReadInt64());
            var (width, height) = (reader.ReadInt32(), reader.ReadInt32());
            Check(width is >= 1 and <= StyleTransferEngine.MaxSideLimit && height is >= 1 and <= StyleTransferEngine.MaxSideLimit,
                $"image size {width}×{height}");
            var length = 3 * width * height;
            var image = ReadFloats(reader, length);
            var optimizer = (OptimizerKind)reader.ReadInt32();
            Check(Enum.IsDefined(optimizer), $"optimizer {(int)optimizer}");
            var step = reader.ReadInt64();
            var momentCount = reader.ReadInt32();
            Check(momentCount is >= 0 and <= MaxMoments, $"{momentCount} optimiser moments");
            var moments = new float[momentCount][];
            for (var i = 0; i < momentCount; i++)
            {
                moments[i] = ReadFloats(reader, length);
            }
            var curvature = ReadOptional(reader);
            var styleWeight = ReadOptional(reader);
            var totalCount = reader.ReadInt32();
            Check(totalCount is >= 0 and <= MaxTotals, $"{totalCount} recent totals");
            var totals = new double[totalCount];
            for (var i = 0; i < totalCount; i++)
            {
                totals[i] = reader.ReadDouble();
            }
            var resumes = reader.ReadInt32();
            Check(levels >= 1 && level >= 0 && level < levels && iteration >= levelIteration && levelIteration >= 0 && elapsed >= TimeSpan.Zero
                && step >= 0 && resumes >= 0, "counts");
            return new RunCheckpoint
            {
                NetworkFingerprint = fingerprint,
                Levels = levels,
                Level = level,
                Iteration = iteration,
                LevelIteration = levelIteration,
                Elapsed = elapsed,
                Width = width,
                Height = height,
                Image = image,
                Optimizer = optimizer,
                OptimizerStep = step,
                OptimizerMoments = moments,
                Curvature = curvature,
                CoarseStyleWeight = styleWeight,
                RecentTotals = totals,
                Resumes = resumes,
            };
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("run checkpoint is truncated", e);
        }
    }

    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            foreach (var value in values)
            {
                writer.Write(value);
            }
        }
    }

    private static float[] ReadFloats(BinaryReader reader, int expected)
    {
        var length = reader.ReadInt32();
        Check(length == expected, $"a block of {length} floats where the image has {expected}");
        var values = new float[length];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (reader.BaseStream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length)
        {
            throw new EndOfStreamException();
        }
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(values.AsSpan());
            for (var i = 0; i < ints.Length; i++)
            {
                ints[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(ints[i]);
            }
        }
        return values;
    }

    private static void WriteOptional(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        writer.Write(value ?? 0);
    }

    private static double? ReadOptional(BinaryReader reader)
    {
        var has = reader.ReadBoolean();
        var value = reader.ReadDouble();
        return has ? value : null;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidDataException($"run checkpoint is inconsistent: {what}");
        }
    }
}
