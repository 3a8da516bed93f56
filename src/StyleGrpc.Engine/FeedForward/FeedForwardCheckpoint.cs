using System.Security.Cryptography;
using System.Text;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>A training's state after an iteration: the network's weights, the optimiser's moments, the photo sampler's state.</summary>
/// <remarks>
/// Plain data (no tensors). The binary form (<see cref="WriteTo"/>): the magic <c>SGFC</c>, <see cref="FormatVersion"/>, the
/// body's length, the body, and a SHA-256 of the body; about 12 bytes per network parameter (weights and Adam's two
/// moments). A checkpoint resumes only a training with the same network, widths, iterations, crop size, batch size and seed.
/// </remarks>
public sealed class FeedForwardCheckpoint
{
    /// <summary>The binary format <see cref="WriteTo"/> writes; <see cref="ReadFrom"/> reads only this one.</summary>
    public const int FormatVersion = 1;

    private const int HashBytes = 32;
    private const int MaxParameters = 10_000;
    private const int MaxTotals = 10_000;
    private static readonly byte[] Magic = "SGFC"u8.ToArray();

    internal FeedForwardCheckpoint()
    {
    }

    /// <summary>The last iteration done.</summary>
    public int Iteration { get; internal init; }

    /// <summary>Training time up to it.</summary>
    public TimeSpan Elapsed { get; internal init; }

    /// <summary>Fingerprint of the loss network the training runs on.</summary>
    public string NetworkFingerprint { get; internal init; } = "";

    /// <summary>The trained network's widths.</summary>
    public FeedForwardArchitecture Architecture { get; internal init; } = FeedForwardArchitecture.Default;

    /// <summary>The training's <see cref="FeedForwardTrainingOptions.Iterations"/>.</summary>
    public int TotalIterations { get; internal init; }

    /// <summary>The training's <see cref="FeedForwardTrainingOptions.ImageSize"/>.</summary>
    public int ImageSize { get; internal init; }

    /// <summary>The training's <see cref="FeedForwardTrainingOptions.BatchSize"/>.</summary>
    public int BatchSize { get; internal init; }

    /// <summary>The training's <see cref="FeedForwardTrainingOptions.Seed"/>.</summary>
    public long Seed { get; internal init; }

    /// <summary>The style weight in use (the option's, or the one balanced on the first batch).</summary>
    public double StyleWeight { get; internal init; }

    /// <summary>How many times the training that wrote this had been resumed before.</summary>
    public int Resumes { get; internal init; }

    internal ulong SamplerState { get; init; }

    internal long OptimizerStep { get; init; }

    /// <summary>Per parameter, in the network's order: name, values, Adam's first and second moments.</summary>
    internal IReadOnlyList<(string Name, float[] Values, float[] Average, float[] SquareAverage)> Parameters { get; init; } = [];

    /// <summary>Total losses of the latest iterations, oldest first (what <see cref="FeedForwardTrainingResult.FinalLoss"/> averages).</summary>
    internal IReadOnlyList<double> RecentTotals { get; init; } = [];

    /// <summary>Writes the checkpoint to <paramref name="stream"/> (left open).</summary>
    public void WriteTo(Stream stream)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(NetworkFingerprint);
            writer.Write(Architecture.Channels1);
            writer.Write(Architecture.Channels2);
            writer.Write(Architecture.Channels3);
            writer.Write(Architecture.ResidualBlocks);
            writer.Write(TotalIterations);
            writer.Write(ImageSize);
            writer.Write(BatchSize);
            writer.Write(Seed);
            writer.Write(Iteration);
            writer.Write(Elapsed.Ticks);
            writer.Write(StyleWeight);
            writer.Write(Resumes);
            writer.Write(SamplerState);
            writer.Write(OptimizerStep);
            writer.Write(Parameters.Count);
            foreach (var (name, values, average, squareAverage) in Parameters)
            {
                writer.Write(name);
                StyleNetworkWeights.WriteFloats(writer, values);
                StyleNetworkWeights.WriteFloats(writer, average);
                StyleNetworkWeights.WriteFloats(writer, squareAverage);
            }
            writer.Write(RecentTotals.Count);
            foreach (var total in RecentTotals)
            {
                writer.Write(total);
            }
        }
        using var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        header.Write(Magic);
        header.Write(FormatVersion);
        header.Write(body.Length);
        header.Write(body.GetBuffer(), 0, (int)body.Length);
        header.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
    }

    /// <summary>Reads a checkpoint; <see cref="InvalidDataException"/> when it is damaged or of another format.</summary>
    public static FeedForwardCheckpoint ReadFrom(Stream stream)
    {
        using var header = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!header.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("not a StyleGrpc feed-forward training checkpoint (no SGFC header)");
            }
            var version = header.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"feed-forward checkpoint format {version} is not supported (this engine reads {FormatVersion})");
            }
            var length = header.ReadInt64();
            Check(length is > 0 and < int.MaxValue, $"body of {length} bytes");
            var body = header.ReadBytes((int)length);
            var hash = header.ReadBytes(HashBytes);
            if (body.Length != length || hash.Length != HashBytes)
            {
                throw new EndOfStreamException();
            }
            if (!SHA256.HashData(body).AsSpan().SequenceEqual(hash))
            {
                throw new InvalidDataException("feed-forward checkpoint is damaged (checksum mismatch)");
            }
            return ReadBody(body);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("feed-forward checkpoint is truncated", e);
        }
    }

    private static FeedForwardCheckpoint ReadBody(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body, writable: false), Encoding.UTF8);
        var fingerprint = reader.ReadString();
        var architecture = new FeedForwardArchitecture(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        Check(architecture.IsValid(), $"architecture {architecture}");
        var (totalIterations, imageSize, batchSize) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        var seed = reader.ReadInt64();
        var iteration = reader.ReadInt32();
        var elapsed = new TimeSpan(reader.ReadInt64());
        var styleWeight = reader.ReadDouble();
        var resumes = reader.ReadInt32();
        var samplerState = reader.ReadUInt64();
        var step = reader.ReadInt64();
        var count = reader.ReadInt32();
        Check(count is >= 0 and <= MaxParameters, $"{count} parameters");
        var parameters = new List<(string, float[], float[], float[])>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var values = ReadFloats(reader);
            var average = ReadFloats(reader);
            var squareAverage = ReadFloats(reader);
            Check(average.Length == values.Length && squareAverage.Length == values.Length, $"moments of '{name}' of another size than it");
            parameters.Add((name, values, average, squareAverage));
        }
        var totalCount = reader.ReadInt32();
        Check(totalCount is >= 0 and <= MaxTotals, $"{totalCount} recent totals");
        var totals = new double[totalCount];
        for (var i = 0; i < totalCount; i++)
        {
            totals[i] = reader.ReadDouble();
        }
        Check(iteration >= 0 && iteration <= totalIterations && elapsed >= TimeSpan.Zero && step >= 0 && resumes >= 0 && double.IsFinite(styleWeight),
            "counts");
        return new FeedForwardCheckpoint
        {
            NetworkFingerprint = fingerprint,
            Architecture = architecture,
            TotalIterations = totalIterations,
            ImageSize = imageSize,
            BatchSize = batchSize,
            Seed = seed,
            Iteration = iteration,
            Elapsed = elapsed,
            StyleWeight = styleWeight,
            Resumes = resumes,
            SamplerState = samplerState,
            OptimizerStep = step,
            Parameters = parameters,
            RecentTotals = totals,
        };
    }

    private static float[] ReadFloats(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        Check(length >= 0 && length <= reader.BaseStream.Length - reader.BaseStream.Position, $"a block of {length} values");
        return StyleNetworkWeights.ReadFloats(length, reader);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidDataException($"feed-forward checkpoint is inconsistent: {what}");
        }
    }
}
