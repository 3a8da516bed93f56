namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a small random generator whose whole state is one 64-bit number, so a
/// training's checkpoint can hold it and a resumed training draws exactly the crops the uninterrupted one would.
/// </summary>
internal sealed class SplitMix64(ulong state)
{
    /// <summary>The generator's state; a new generator with it continues the same sequence.</summary>
    public ulong State { get; private set; } = state;

    public ulong Next()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    public int NextInt(int bound) => bound <= 1 ? 0 : (int)(NextDouble() * bound);
}
