using StackExchange.Redis;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// How a large payload (a job's request with its images, a checkpoint) is laid out in Redis: as the fields <c>0, 1, …</c> of
/// one hash, in pieces whose sizes fit the allocator's size classes. Redis's allocator (jemalloc) rounds every allocation
/// up to its size class — 25 % apart at most above 4 KiB —, so one 400 KB string takes 448 KiB; pieces of 64 KiB, then
/// the largest classes that fit the rest, each less the 16 bytes Redis adds to a value, waste under 1 KiB per payload
/// (measured: 397.96 KiB of Redis memory for 397.07 KiB of bytes).
/// </summary>
public static class RedisPayloadChunks
{
    // What Redis adds to a hash value's bytes in its allocation (the string header and its terminator, with room to spare).
    private const int Overhead = 16;
    private const int Largest = 64 * 1024;
    private const int Smallest = 1024;

    /// <summary>The pieces of <paramref name="bytes"/>, in order: as many 64 KiB ones as fit, then the largest size classes that fit the rest.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> bytes)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var at = 0;
        while (bytes.Length - at > 0)
        {
            var size = PieceSize(bytes.Length - at);
            pieces.Add(bytes.Slice(at, size));
            at += size;
        }
        return pieces;
    }

    /// <summary>The payload the hash's fields hold, joined in the order of their numeric names.</summary>
    public static byte[] Join(HashEntry[] fields)
    {
        var ordered = fields.OrderBy(f => int.Parse(f.Name.ToString(), System.Globalization.CultureInfo.InvariantCulture)).Select(f => (byte[])f.Value!).ToList();
        var joined = new byte[ordered.Sum(p => p.Length)];
        var at = 0;
        foreach (var piece in ordered)
        {
            piece.CopyTo(joined, at);
            at += piece.Length;
        }
        return joined;
    }

    // The largest piece for a rest of this length: 64 KiB less the overhead, or the largest size class (four per doubling,
    // as jemalloc has them) that fits less the overhead; a rest under 1 KiB goes whole.
    private static int PieceSize(int rest)
    {
        if (rest >= Largest - Overhead)
        {
            return Largest - Overhead;
        }
        if (rest < Smallest)
        {
            return rest;
        }
        var best = Smallest - Overhead;
        for (var power = Smallest; power < Largest; power *= 2)
        {
            for (var step = 0; step < 4; step++)
            {
                var size = power + power / 4 * step - Overhead;
                if (size <= rest && size > best)
                {
                    best = size;
                }
            }
        }
        return best;
    }
}
