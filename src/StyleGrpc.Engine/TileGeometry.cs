using System.Collections.Concurrent;
using StyleGrpc.Engine.Networks;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>
/// How a network's layers sit over the input, for tiling: each layer's stride (input pixels per feature position), the
/// largest of them (tiles start on its multiples so pooling windows line up), and the margin a tile needs around its
/// core so that its core features equal the whole image's: the deepest layer's receptive-field radius, measured once per
/// network and layer set as the extent of the input gradient of one feature position, rounded up to the stride.
/// </summary>
internal sealed record TileGeometry(Dictionary<string, int> Strides, int Stride, int Margin)
{
    private const int Probe = 512;
    private static readonly ConcurrentDictionary<string, TileGeometry> Measured = new();

    public static TileGeometry For(IFeatureNetwork network, IReadOnlyList<string> layers) =>
        Measured.GetOrAdd($"{network.Info.Fingerprint}|{string.Join(",", layers.Order(StringComparer.Ordinal))}", _ => Measure(network, layers));

    private static TileGeometry Measure(IFeatureNetwork network, IReadOnlyList<string> layers)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7, network.Device);
        var input = rand([1, 3, Probe, Probe], generator: generator, device: network.Device).requires_grad_(true);
        var features = network.Extract(input, layers);
        var strides = layers.ToDictionary(l => l, l => Probe / (int)features[l].shape[2]);
        var stride = strides.Values.Max();
        var deepest = layers.OrderBy(l => network.LayerNames.ToList().IndexOf(l)).Last();
        var f = features[deepest];
        var (cy, cx) = (f.shape[2] / 2, f.shape[3] / 2);
        f[.., .., cy, cx].sum().backward();
        var reach = input.grad!.abs().sum([0, 1]).gt(Scalars.Zero).nonzero();
        var center = (cy * strides[deepest], cx * strides[deepest]);
        var rows = reach[.., 0].to(ScalarType.Int64).data<long>().ToArray();
        var columns = reach[.., 1].to(ScalarType.Int64).data<long>().ToArray();
        var radius = Math.Max(rows.Max(r => Math.Abs(r - center.Item1)), columns.Max(c => Math.Abs(c - center.Item2))) + strides[deepest];
        var margin = (int)((radius + stride - 1) / stride * stride);
        return new TileGeometry(strides, stride, margin);
    }
}
