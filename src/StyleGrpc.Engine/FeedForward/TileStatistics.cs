using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// Normalisation for one tile of an exact tiled pass: normalisations whose whole-image statistics are known use them;
/// the first one not yet known (<see cref="Gathering"/>) adds its pre-normalisation values over the tile's core to the
/// running per-channel count, mean and sum of squared deviations (Chan et al.'s pairwise update, in double precision), and
/// the pass stops there.
/// </summary>
internal sealed class TileStatistics(StyleNetwork network) : INormalization
{
    private readonly List<(double[] Mean, double[] Variance)> known = [];
    private double count;
    private double[] mean = [];
    private double[] squares = [];

    /// <summary>Index of the normalisation whose statistics are being gathered; = <see cref="StyleNetwork.NormCount"/> when all are known.</summary>
    public int Gathering => known.Count;

    /// <summary>The tile's core within its window, in input pixels: left, top, width, height (multiples of the network's stride).</summary>
    public (int X, int Y, int Width, int Height) Core { get; set; }

    public Tensor? Normalise(int index, InstanceNorm norm, Tensor input)
    {
        if (index < known.Count)
        {
            var (m, v) = known[index];
            using var meanTensor = tensor(m.Select(x => (float)x).ToArray(), device: input.device);
            using var varianceTensor = tensor(v.Select(x => (float)x).ToArray(), device: input.device);
            return norm.Apply(input, meanTensor, varianceTensor);
        }
        var stride = network.NormStride(index);
        using var scope = NewDisposeScope();
        var core = input[.., .., (Core.Y / stride)..((Core.Y + Core.Height) / stride), (Core.X / stride)..((Core.X + Core.Width) / stride)];
        var (variance, tileMean) = var_mean(core, [0, 2, 3], unbiased: false);
        var n = (double)core.shape[2] * core.shape[3];
        var v2 = variance.to(ScalarType.Float64).data<double>().ToArray();
        var m2 = tileMean.to(ScalarType.Float64).data<double>().ToArray();
        if (mean.Length == 0)
        {
            mean = new double[m2.Length];
            squares = new double[m2.Length];
        }
        var total = count + n;
        for (var c = 0; c < m2.Length; c++)
        {
            var delta = m2[c] - mean[c];
            mean[c] += delta * n / total;
            squares[c] += v2[c] * n + delta * delta * count * n / total;
        }
        count = total;
        return null;
    }

    /// <summary>Fixes the gathered statistics as the whole image's and moves on to the next normalisation.</summary>
    public void Complete()
    {
        known.Add((mean, squares.Select(s => s / count).ToArray()));
        (count, mean, squares) = (0, [], []);
    }
}
