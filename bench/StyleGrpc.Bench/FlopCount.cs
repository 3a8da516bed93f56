namespace StyleGrpc.Bench;

/// <summary>
/// Floating-point operations of one iteration, counted as a direct convolution would do them:
/// every conv once forward and once backward to its input (weights are frozen, so no weight
/// gradient), plus the Gram products of the style layers (one forward, one backward product each).
/// ReLU, pooling, BatchNorm and elementwise work are left out.
/// </summary>
internal static class FlopCount
{
    private static readonly int[] VggConfig = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    /// <summary>VGG19 up to <paramref name="deepestConv"/> (1-based conv count) with Gram layers after the given convs.</summary>
    public static double Vgg19(int width, int height, int deepestConv, IReadOnlyCollection<int> gramConvs)
    {
        double flops = 0;
        var (w, h, cin, conv) = ((double)width, (double)height, 3, 0);
        foreach (var c in VggConfig)
        {
            if (conv == deepestConv)
            {
                break;
            }
            if (c == 0)
            {
                w /= 2;
                h /= 2;
                continue;
            }
            conv++;
            flops += 2 * 2.0 * cin * c * 9 * w * h;
            if (gramConvs.Contains(conv))
            {
                flops += 2 * 2.0 * c * c * w * h;
            }
            cin = c;
        }
        return flops;
    }

    /// <summary>The offline ResNet18 up to layer3, Grams at relu1, layer1, layer2, layer3.</summary>
    public static double ResNet18(int width, int height)
    {
        double Conv(double cin, double cout, double k, double outW, double outH) => 2 * 2.0 * cin * cout * k * k * outW * outH;
        double Gram(double c, double w, double h) => 2 * 2.0 * c * c * w * h;
        var (w2, h2) = (width / 2.0, height / 2.0);
        var flops = Conv(3, 64, 7, w2, h2) + Gram(64, w2, h2);
        var (w, h) = (width / 4.0, height / 4.0);
        flops += 4 * Conv(64, 64, 3, w, h) + Gram(64, w, h);
        foreach (var (cin, cout) in new[] { (64.0, 128.0), (128.0, 256.0) })
        {
            w /= 2;
            h /= 2;
            flops += Conv(cin, cout, 3, w, h) + Conv(cin, cout, 1, w, h) + 3 * Conv(cout, cout, 3, w, h) + Gram(cout, w, h);
        }
        return flops;
    }

    /// <summary>Per preset: seed = conv1_1…conv3_1 with five Grams; gatys = up to conv5_1 with five Grams.</summary>
    public static double For(string network, string preset, int width, int height) => (network, preset) switch
    {
        ("vgg19", "seed") => Vgg19(width, height, 5, [1, 2, 3, 4, 5]),
        ("vgg19", "gatys") => Vgg19(width, height, 13, [1, 3, 5, 9, 13]),
        _ => ResNet18(width, height),
    };
}
