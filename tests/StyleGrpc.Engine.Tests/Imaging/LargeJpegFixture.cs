namespace StyleGrpc.Engine.Tests.Imaging;

/// <summary>The 6000×6000 JPEG the scaled-decode tests share: made once, it takes seconds.</summary>
public sealed class LargeJpegFixture
{
    public const int Side = 6000;

    public byte[] Bytes { get; } = LargeJpeg.FromPhoto("tubingen.jpg", Side, Side);
}
