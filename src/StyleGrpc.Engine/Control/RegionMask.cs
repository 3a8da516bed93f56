namespace StyleGrpc.Engine.Control;

/// <summary>A region's weight per pixel in [0, 1], row by row, at the mask image's own size (the run scales it to each level).</summary>
public sealed record RegionMask
{
    public RegionMask(int width, int height, float[] values)
    {
        if (width <= 0 || height <= 0 || values.Length != checked(width * height))
        {
            throw new ArgumentException($"expected {width}×{height} values, got {values.Length}", nameof(values));
        }
        Width = width;
        Height = height;
        Values = values;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Weights in [0, 1], <c>Width × Height</c> of them.</summary>
    public float[] Values { get; }

    /// <summary>The share of the picture the mask covers: the mean of its weights.</summary>
    public double Area => Values.Length == 0 ? 0 : Values.Sum(v => (double)v) / Values.Length;

    /// <summary>A mask that is <paramref name="value"/> everywhere.</summary>
    public static RegionMask Uniform(int width, int height, float value) => new(width, height, Enumerable.Repeat(value, width * height).ToArray());
}
