using TorchSharp;

namespace StyleGrpc.Engine;

/// <summary>
/// Scalars that outlive the native calls they are passed to. TorchSharp turns a number passed where a <see cref="Scalar"/>
/// is expected into a new Scalar that nothing disposes; its finalizer frees the native value, and because the object is
/// unreachable once its handle has been read, a garbage collection during the native call can free it while libtorch
/// still reads it. Seen under load (the reliability soak, 200 jobs through the server): "Expected false to be true" from
/// <c>c10::Scalar::toDouble</c> inside <c>div_</c>. Constants live here for the process; other values are created with
/// <c>using</c> where they are used, so they stay reachable for the call and are freed at once.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.ToScalar();

    public static readonly Scalar One = 1.ToScalar();

    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>255 as float32: bytes to [0, 1] and back.</summary>
    public static readonly Scalar ByteMax = 255f.ToScalar();
}
