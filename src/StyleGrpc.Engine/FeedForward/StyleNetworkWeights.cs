using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// The stored form of a trained <see cref="StyleNetwork"/> (what <see cref="FeedForwardTrainingResult.Weights"/> holds and
/// <see cref="FeedForwardModel.Load"/> reads): the magic <c>SGFF</c>, <see cref="FormatVersion"/>, the architecture's
/// widths, the loss network's fingerprint, then every parameter by name (shape and float32 values, little-endian), and
/// last a SHA-256 of everything before it, so a damaged copy is refused rather than loaded with wrong values.
/// </summary>
internal static class StyleNetworkWeights
{
    /// <summary>The format written; only this one is read.</summary>
    public const int FormatVersion = 1;

    private const int HashBytes = 32;
    private static readonly byte[] Magic = "SGFF"u8.ToArray();

    public static byte[] Write(StyleNetwork network, string lossNetwork)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            var a = network.Architecture;
            writer.Write(a.Channels1);
            writer.Write(a.Channels2);
            writer.Write(a.Channels3);
            writer.Write(a.ResidualBlocks);
            writer.Write(lossNetwork);
            var parameters = network.named_parameters().ToList();
            writer.Write(parameters.Count);
            foreach (var (name, parameter) in parameters)
            {
                writer.Write(name);
                writer.Write(parameter.dim());
                foreach (var d in parameter.shape)
                {
                    writer.Write(d);
                }
                WriteFloats(writer, Values(parameter));
            }
        }
        stream.Write(SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        return stream.ToArray();
    }

    /// <summary>A network built from <paramref name="bytes"/>, and the loss network it was trained with.</summary>
    /// <exception cref="InvalidDataException">Not this format, damaged, or inconsistent.</exception>
    public static (StyleNetwork Network, string LossNetwork) Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Magic.Length + HashBytes || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a StyleGrpc feed-forward network (no SGFF header)");
        }
        var body = bytes[..^HashBytes];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^HashBytes..]))
        {
            throw new InvalidDataException("feed-forward network is damaged (checksum mismatch)");
        }
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        StyleNetwork? network = null;
        try
        {
            reader.ReadBytes(Magic.Length);
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"feed-forward network format {version} is not supported (this engine reads {FormatVersion})");
            }
            var architecture = new FeedForwardArchitecture(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            Check(architecture.IsValid(), $"architecture {architecture}");
            var lossNetwork = reader.ReadString();
            network = new StyleNetwork(architecture);
            var expected = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var count = reader.ReadInt32();
            Check(count == expected.Count, $"{count} parameters where the architecture has {expected.Count}");
            using var noGrad = no_grad();
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                Check(expected.TryGetValue(name, out var parameter), $"unknown parameter '{name}'");
                var rank = reader.ReadInt64();
                Check(rank == parameter!.dim(), $"parameter '{name}' of rank {rank}");
                var shape = new long[rank];
                for (var d = 0; d < rank; d++)
                {
                    shape[d] = reader.ReadInt64();
                }
                Check(shape.SequenceEqual(parameter.shape), $"parameter '{name}' of shape [{string.Join(", ", shape)}]");
                var values = ReadFloats(reader, (int)parameter.numel());
                using var source = tensor(values, shape);
                parameter.copy_(source);
                expected.Remove(name);
            }
            Check(stream.Position == stream.Length, "trailing bytes");
            return (network, lossNetwork);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            network?.Dispose();
            throw new InvalidDataException("feed-forward network is truncated or inconsistent", e);
        }
        catch
        {
            network?.Dispose();
            throw;
        }
    }

    /// <summary>A parameter's values, float32, in its (contiguous) element order.</summary>
    public static float[] Values(Tensor parameter)
    {
        using var scope = NewDisposeScope();
        return parameter.detach().cpu().contiguous().data<float>().ToArray();
    }

    public static void WriteFloats(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    public static float[] ReadFloats(BinaryReader reader, int expected)
    {
        var length = reader.ReadInt32();
        Check(length == expected, $"a block of {length} values where {expected} are expected");
        return ReadFloats(length, reader);
    }

    /// <summary><paramref name="length"/> float32 values, little-endian (the count already read).</summary>
    public static float[] ReadFloats(int length, BinaryReader reader)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = reader.ReadSingle();
        }
        return values;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidDataException($"feed-forward network is inconsistent: {what}");
        }
    }
}
