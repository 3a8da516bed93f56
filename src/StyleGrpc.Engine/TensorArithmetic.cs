using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine;

/// <summary>
/// Additions that keep their <c>alpha</c> alive. TorchSharp's <c>a + b</c>, <c>add(x)</c> and <c>add_(x)</c> pass a new implicit
/// <see cref="Scalar"/> 1 as libtorch's <c>alpha</c>, which the garbage collector may free during the native call
/// (<see cref="Scalars"/>). Seen in a 2-minute 720p video job after about 2,000 frames: "Expected false to be true" from
/// <c>c10::Scalar::toFloat</c> inside <c>add</c>, and the job failed INTERNAL. These pass <see cref="Scalars.One"/>, which
/// lives as long as the process. (<c>sub</c> and <c>mul</c> of two tensors take no scalar.)
/// </summary>
internal static class TensorArithmetic
{
    /// <summary><paramref name="a"/> + <paramref name="b"/> (broadcast), a new tensor.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, Scalars.One);

    /// <summary><paramref name="a"/> + <paramref name="b"/>, a new tensor.</summary>
    public static Tensor Plus(this Tensor a, Scalar b) => a.add(b, Scalars.One);

    /// <summary><paramref name="a"/> += <paramref name="b"/> (broadcast); returns <paramref name="a"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, Scalars.One);

    /// <summary><paramref name="a"/> += <paramref name="b"/>; returns <paramref name="a"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Scalar b) => a.add_(b, Scalars.One);
}
