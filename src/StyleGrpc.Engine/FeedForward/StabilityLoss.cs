using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// The stability loss of a feed-forward training (Gupta et al. 2017, "Characterizing and Improving Stability in Neural Style
/// Transfer"), which makes the network's output change little when its input changes little, the cause of flicker when a
/// video is stylised frame by frame. Two optional terms, each a mean squared difference of [0, 1] pixels:
/// <list type="bullet">
/// <item>shift: the network run on the batch cropped <c>s</c> pixels in from the top left should equal the same crop of its
/// output for the whole batch, <c>‖f(crop(x)) − crop(f(x))‖²</c> (a crop is a translation with a new border; any s, so
/// shifts that are not multiples of the network's stride of 4, where flicker arises, are trained too);</item>
/// <item>noise: Gupta et al.'s <c>‖f(x + n) − f(x)‖²</c> with n Gaussian of standard deviation σ.</item>
/// </list>
/// Gradients flow through both branches. Each term costs one more forward and backward pass of the network.
/// </summary>
internal static class StabilityLoss
{
    /// <summary>
    /// The sum of the enabled terms for <paramref name="batch"/> (N×3×H×W, sides multiples of 4) and the network's
    /// <paramref name="output"/> for it. <paramref name="shift"/> in pixels (0 = no shift term), <paramref name="noise"/> the
    /// noise's standard deviation (0 = no noise term) drawn from <paramref name="generator"/>. Tensors in the caller's scope.
    /// </summary>
    public static Tensor Evaluate(Func<Tensor, Tensor> network, Tensor batch, Tensor output, int shift, double noise, Generator? generator)
    {
        var loss = zeros(1, device: batch.device);
        if (shift > 0)
        {
            // Crop sides stay multiples of the network's stride.
            var height = (int)(batch.shape[2] - shift) / StyleNetwork.Stride * StyleNetwork.Stride;
            var width = (int)(batch.shape[3] - shift) / StyleNetwork.Stride * StyleNetwork.Stride;
            var rows = shift..(shift + height);
            var columns = shift..(shift + width);
            var shifted = network(batch[.., .., rows, columns].contiguous());
            loss = loss + nn.functional.mse_loss(shifted, output[.., .., rows, columns]);
        }
        if (noise > 0)
        {
            using var sigma = noise.ToScalar();
            var noisy = network(batch.Plus(randn(batch.shape, generator: generator, device: batch.device).mul_(sigma)));
            loss = loss + nn.functional.mse_loss(noisy, output);
        }
        return loss;
    }

    /// <summary>Extra network passes per iteration: one per enabled term.</summary>
    public static int Passes(int shift, double noise) => (shift > 0 ? 1 : 0) + (noise > 0 ? 1 : 0);
}
