using System.Text;

namespace StyleGrpc.Engine;

/// <summary>What a style image looks like to one network layer: its Gram matrix and per-channel means.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Channels">Channel count C.</param>
/// <param name="Gram">C×C Gram matrix, row-major, normalised by C·H·W.</param>
/// <param name="ChannelMeans">Mean activation per channel (used to balance weights automatically).</param>
public sealed record LayerStatistics(string Layer, int Channels, float[] Gram, float[] ChannelMeans);

/// <summary>
/// The style side of a job, computed once from a style image and reusable by every job on the same
/// network: Gram matrices per layer, plus what they were computed with (network fingerprint, layers,
/// style image size). Kept in managed memory, so holding many costs no native memory; serialisable
/// with <see cref="WriteTo"/>/<see cref="ReadFrom"/>; blendable with <see cref="Blend"/>.
/// </summary>
public sealed class StyleTargets
{
    private const string Magic = "SGST";
    private const int FormatVersion = 1;

    public StyleTargets(string networkFingerprint, IReadOnlyList<LayerStatistics> layers, int styleWidth, int styleHeight)
    {
        NetworkFingerprint = networkFingerprint;
        Layers = layers;
        StyleWidth = styleWidth;
        StyleHeight = styleHeight;
    }

    /// <summary>The <see cref="Networks.NetworkInfo.Fingerprint"/> of the network that computed these targets.</summary>
    public string NetworkFingerprint { get; }

    /// <summary>Statistics per layer, in the network's layer order.</summary>
    public IReadOnlyList<LayerStatistics> Layers { get; }

    /// <summary>Width of the style image as the network saw it, in pixels.</summary>
    public int StyleWidth { get; }

    /// <summary>Height of the style image as the network saw it, in pixels.</summary>
    public int StyleHeight { get; }

    /// <summary>Approximate memory held, in bytes.</summary>
    public long SizeInBytes => Layers.Sum(l => 4L * (l.Gram.Length + l.ChannelMeans.Length));

    /// <summary>The statistics of <paramref name="layer"/>, or null.</summary>
    public LayerStatistics? Find(string layer) => Layers.FirstOrDefault(l => l.Layer == layer);

    /// <summary>
    /// Weighted mix of several targets computed on the same network: Gram matrices and means are
    /// averaged with weights normalised to sum to 1. Only layers present in all inputs are kept.
    /// </summary>
    public static StyleTargets Blend(IReadOnlyList<(StyleTargets Targets, double Weight)> parts)
    {
        if (parts.Count == 0)
        {
            throw new InvalidStyleOptionException("Blend", "at least one style is needed");
        }
        if (parts.Any(p => !(p.Weight > 0) || double.IsInfinity(p.Weight)))
        {
            throw new InvalidStyleOptionException("Blend", "every weight must be a positive finite number");
        }
        var fingerprint = parts[0].Targets.NetworkFingerprint;
        if (parts.Any(p => p.Targets.NetworkFingerprint != fingerprint))
        {
            throw new InvalidStyleOptionException("Blend", "styles were computed on different networks");
        }
        if (parts.Count == 1)
        {
            return parts[0].Targets;
        }
        var total = parts.Sum(p => p.Weight);
        var layers = new List<LayerStatistics>();
        foreach (var first in parts[0].Targets.Layers)
        {
            var matching = parts.Select(p => (Stats: p.Targets.Find(first.Layer), p.Weight)).ToList();
            if (matching.Any(m => m.Stats is null || m.Stats.Channels != first.Channels))
            {
                continue;
            }
            var gram = new float[first.Gram.Length];
            var means = new float[first.ChannelMeans.Length];
            foreach (var (stats, weight) in matching)
            {
                var w = (float)(weight / total);
                for (var i = 0; i < gram.Length; i++)
                {
                    gram[i] += w * stats!.Gram[i];
                }
                for (var i = 0; i < means.Length; i++)
                {
                    means[i] += w * stats!.ChannelMeans[i];
                }
            }
            layers.Add(new LayerStatistics(first.Layer, first.Channels, gram, means));
        }
        var largest = parts.MaxBy(p => p.Weight).Targets;
        return new StyleTargets(fingerprint, layers, largest.StyleWidth, largest.StyleHeight);
    }

    /// <summary>Writes the targets in StyleGrpc's binary format (little-endian, versioned).</summary>
    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Encoding.ASCII.GetBytes(Magic));
        writer.Write(FormatVersion);
        writer.Write(NetworkFingerprint);
        writer.Write(StyleWidth);
        writer.Write(StyleHeight);
        writer.Write(Layers.Count);
        foreach (var layer in Layers)
        {
            writer.Write(layer.Layer);
            writer.Write(layer.Channels);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Gram.AsSpan()));
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.ChannelMeans.AsSpan()));
        }
    }

    /// <summary>Reads targets written by <see cref="WriteTo"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not in this format or is cut short.</exception>
    public static StyleTargets ReadFrom(Stream stream)
    {
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (Encoding.ASCII.GetString(reader.ReadBytes(4)) != Magic)
            {
                throw new InvalidDataException("not a StyleGrpc style-targets file");
            }
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"style-targets format version {version} is not supported");
            }
            var fingerprint = reader.ReadString();
            var width = reader.ReadInt32();
            var height = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (count is < 0 or > 1000)
            {
                throw new InvalidDataException($"implausible layer count {count}");
            }
            var layers = new List<LayerStatistics>(count);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var channels = reader.ReadInt32();
                if (channels is <= 0 or > 65536)
                {
                    throw new InvalidDataException($"implausible channel count {channels}");
                }
                layers.Add(new LayerStatistics(name, channels, ReadFloats(reader, channels * channels), ReadFloats(reader, channels)));
            }
            return new StyleTargets(fingerprint, layers, width, height);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("style-targets data is truncated", ex);
        }
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        var values = new float[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        reader.BaseStream.ReadExactly(bytes);
        return values;
    }
}
