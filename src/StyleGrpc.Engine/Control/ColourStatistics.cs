using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine.Control;

/// <summary>An image's colour mean and covariance over its pixels, RGB on the 0–255 scale.</summary>
public static class ColourStatistics
{
    /// <summary>Mean (R, G, B) and the 3×3 covariance, row-major; a small ridge keeps flat images' covariance invertible.</summary>
    public static (double[] Mean, double[] Covariance) Of(RgbImage image)
    {
        var p = image.Pixels;
        var n = p.Length / 3;
        var mean = new double[3];
        for (var i = 0; i < p.Length; i += 3)
        {
            mean[0] += p[i];
            mean[1] += p[i + 1];
            mean[2] += p[i + 2];
        }
        for (var c = 0; c < 3; c++)
        {
            mean[c] /= n;
        }
        var covariance = new double[9];
        for (var i = 0; i < p.Length; i += 3)
        {
            double r = p[i] - mean[0], g = p[i + 1] - mean[1], b = p[i + 2] - mean[2];
            covariance[0] += r * r;
            covariance[1] += r * g;
            covariance[2] += r * b;
            covariance[4] += g * g;
            covariance[5] += g * b;
            covariance[8] += b * b;
        }
        for (var k = 0; k < 9; k++)
        {
            covariance[k] /= n;
        }
        (covariance[3], covariance[6], covariance[7]) = (covariance[1], covariance[2], covariance[5]);
        for (var c = 0; c < 3; c++)
        {
            covariance[c * 4] += 1e-3;
        }
        return (mean, covariance);
    }
}
