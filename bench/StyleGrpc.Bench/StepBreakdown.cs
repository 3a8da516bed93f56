using System.Diagnostics;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Losses;
using StyleGrpc.Engine.Networks;
using static TorchSharp.torch;

namespace StyleGrpc.Bench;

/// <summary>
/// Where a `seed` step's time goes: the network forward, the loss terms, the backward pass, and, timed
/// alone on tensors of the same shapes and layout, the convolutions (forward and backward to the input)
/// and the Gram products (the forward product and the one backward product).
/// </summary>
internal static class StepBreakdown
{
    public sealed record Result(Precision Precision, int Width, int Height, double ForwardMs, double LossesMs, double BackwardMs,
        double ConvolutionsMs, double GramProductsMs)
    {
        public double PassMs => ForwardMs + LossesMs + BackwardMs;
    }

    private static readonly string[] StyleLayers = ["relu1_1", "relu1_2", "relu2_1", "relu2_2", "conv3_1"];

    private static readonly (int In, int Out, int Scale)[] Convolutions = [(3, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 2), (128, 256, 4)];

    public static Result Measure(string vggPath, int width, int height, Precision precision, int repeats = 20)
    {
        using var network = Vgg19Network.Load(vggPath, "conv3_1", precision: precision);
        using var scope = NewDisposeScope();
        manual_seed(0);
        var start = rand(1, 3, height, width);
        Dictionary<string, Tensor> grams;
        Tensor contentTarget;
        using (no_grad())
        {
            var features = network.Extract(start, StyleLayers);
            grams = features.ToDictionary(kv => kv.Key, kv => StyleLosses.Gram(kv.Value).mul(1.1));
            contentTarget = features["relu2_2"].clone();
        }
        var image = start.clone().requires_grad_(true);
        var (forward, losses, backward) = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < repeats + 3; i++)
        {
            using var step = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var features = network.Extract(image, StyleLayers);
            var afterForward = clock.Elapsed.TotalMilliseconds;
            var loss = StyleLosses.Content(features["relu2_2"], contentTarget);
            foreach (var layer in StyleLayers)
            {
                loss = loss + StyleLosses.Style(features[layer], grams[layer]) * 1e6;
            }
            var afterLosses = clock.Elapsed.TotalMilliseconds;
            loss.backward();
            image.grad!.zero_();
            var afterBackward = clock.Elapsed.TotalMilliseconds;
            if (i >= 3)
            {
                forward.Add(afterForward);
                losses.Add(afterLosses - afterForward);
                backward.Add(afterBackward - afterLosses);
            }
        }
        return new Result(precision, width, height, Median(forward), Median(losses), Median(backward),
            ConvolutionsAlone(width, height, precision, repeats), GramProductsAlone(width, height, repeats));
    }

    private static double ConvolutionsAlone(int width, int height, Precision precision, int repeats)
    {
        var type = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        double total = 0;
        foreach (var (inChannels, outChannels, scale) in Convolutions)
        {
            using var scope = NewDisposeScope();
            var input = ChannelsLast.From(randn(1, inChannels, height / scale, width / scale).to(type)).requires_grad_(true);
            var weight = ChannelsLast.From(randn(outChannels, inChannels, 3, 3).mul(0.05).to(type));
            var bias = zeros(outChannels).to(type);
            var upstream = ChannelsLast.From(randn(1, outChannels, height / scale, width / scale).to(type));
            total += Median(Enumerable.Range(0, repeats + 3).Select(_ =>
            {
                using var inner = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                nn.functional.conv2d(input, weight, bias, padding: [1, 1]).backward([upstream]);
                return clock.Elapsed.TotalMilliseconds;
            }).Skip(3).ToList());
        }
        return total;
    }

    private static double GramProductsAlone(int width, int height, int repeats)
    {
        (int Channels, int Scale)[] layers = [(64, 1), (64, 1), (128, 2), (128, 2), (256, 4)];
        using var scope = NewDisposeScope();
        var matrices = layers.Select(l => randn((height / l.Scale) * (width / l.Scale), l.Channels)).ToList();
        return Median(Enumerable.Range(0, repeats + 3).Select(_ =>
        {
            using var inner = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            foreach (var m in matrices)
            {
                m.mm(m.t().mm(m));
            }
            return clock.Elapsed.TotalMilliseconds;
        }).Skip(3).ToList());
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
