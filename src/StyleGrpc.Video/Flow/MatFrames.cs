using OpenCvSharp;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Flow;

/// <summary>Conversions between our frames and OpenCV matrices; every Mat returned is the caller's to dispose.</summary>
internal static class MatFrames
{
    /// <summary>A Mat over the image's own pixels (pinned until disposed, not copied), CV_8UC3 in RGB order.</summary>
    public static Mat Wrap(RgbImage image) => Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, image.Pixels);

    /// <summary>A Mat over a float plane (pinned until disposed, not copied), CV_32FC1.</summary>
    public static Mat Wrap(float[] plane, int width, int height) => Mat.FromPixelData(height, width, MatType.CV_32FC1, plane);

    /// <summary>The image in 8-bit grey, as Farnebäck wants it.</summary>
    public static Mat Grey(RgbImage image)
    {
        using var rgb = Wrap(image);
        var grey = new Mat();
        Cv2.CvtColor(rgb, grey, ColorConversionCodes.RGB2GRAY);
        return grey;
    }

    /// <summary>The sampling maps of a warp by <paramref name="flow"/>: map(x) = x + flow(x), CV_32FC1 each.</summary>
    public static (Mat X, Mat Y) Maps(FlowField flow)
    {
        var mapX = new float[flow.Dx.Length];
        var mapY = new float[flow.Dy.Length];
        for (var y = 0; y < flow.Height; y++)
        {
            var row = y * flow.Width;
            for (var x = 0; x < flow.Width; x++)
            {
                mapX[row + x] = x + flow.Dx[row + x];
                mapY[row + x] = y + flow.Dy[row + x];
            }
        }
        return (Wrap(mapX, flow.Width, flow.Height), Wrap(mapY, flow.Width, flow.Height));
    }

    /// <summary>A continuous Mat's values as a new array.</summary>
    public static T[] ToArray<T>(Mat mat) where T : unmanaged
    {
        if (!mat.IsContinuous())
        {
            throw new InvalidOperationException("expected a continuous matrix");
        }
        mat.GetArray(out T[] values);
        return values;
    }
}
