namespace StyleGrpc.Engine.Control;

/// <summary>The few 3×3 (row-major) operations colour matching needs.</summary>
internal static class Matrix3
{
    /// <summary>Lower-triangular L with L·Lᵀ = <paramref name="m"/> (symmetric positive definite).</summary>
    public static double[] Cholesky(double[] m)
    {
        var l = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = m[i * 3 + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[i * 3 + k] * l[j * 3 + k];
                }
                l[i * 3 + j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-9)) : sum / l[j * 3 + j];
            }
        }
        return l;
    }

    /// <summary>The inverse of a lower-triangular matrix (forward substitution).</summary>
    public static double[] InverseLower(double[] l)
    {
        var inverse = new double[9];
        for (var column = 0; column < 3; column++)
        {
            for (var i = 0; i < 3; i++)
            {
                var sum = i == column ? 1.0 : 0.0;
                for (var k = 0; k < i; k++)
                {
                    sum -= l[i * 3 + k] * inverse[k * 3 + column];
                }
                inverse[i * 3 + column] = sum / l[i * 3 + i];
            }
        }
        return inverse;
    }

    public static double[] Multiply(double[] a, double[] b)
    {
        var product = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                for (var k = 0; k < 3; k++)
                {
                    product[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
                }
            }
        }
        return product;
    }
}
