using static TorchSharp.torch;

namespace StyleGrpc.Engine.FeedForward;

/// <summary>
/// What a forward pass of <see cref="StyleNetwork"/> does at each instance normalisation: normalise by the tensor's own
/// statistics (a whole image), by statistics gathered elsewhere (a tile of a larger image), or stop the pass there.
/// </summary>
internal interface INormalization
{
    /// <summary>
    /// The normalised <paramref name="input"/> of the network's <paramref name="index"/>-th normalisation (0-based, in
    /// forward order), or null to end the pass here (the network then returns null).
    /// </summary>
    Tensor? Normalise(int index, InstanceNorm norm, Tensor input);
}
