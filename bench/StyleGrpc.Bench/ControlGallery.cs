using System.Diagnostics;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;

namespace StyleGrpc.Bench;

/// <summary>
/// The pictures of docs/gallery.md, "Control" (<c>--only control-gallery --gallery DIR</c>): a sky mask made from the photo
/// (<see cref="SkyMask"/>), the sky in one style and the rest in another, plain versus luminance-only versus histogram
/// matching, and a scale-control pair; offline default network, L-BFGS, 60 iterations at most (the service's tolerance
/// stop). Each picture is the engine's run of what the CLI command beside it in the gallery asks the service for.
/// </summary>
internal static class ControlGallery
{
    public static void Render(string imagesDirectory, string outputDirectory, int size)
    {
        Directory.CreateDirectory(outputDirectory);
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        RgbImage Load(string name) => ImageCodec.Decode(File.ReadAllBytes(Path.Combine(imagesDirectory, name)));
        var tubingen = Load("tubingen.jpg");
        var (starry, scream, matisse) = (Load("starry_night.jpg"), Load("the_scream.jpg"), Load("woman-with-hat-matisse.jpg"));
        var baseOptions = new StyleTransferOptions { MaxSide = size, Iterations = 60 };

        // 1. Spatial control: the sky in The Starry Night, the rest in The Scream.
        var sky = SkyMask(tubingen);
        File.WriteAllBytes(Path.Combine(outputDirectory, "tubingen-sky-mask.png"), ImageCodec.Encode(ToImage(sky)));
        Run(engine, "tubingen-sky-starry-rest-scream", tubingen, scream, baseOptions with { Regions = [new RegionOptions(sky.Width, sky.Height)] },
            outputDirectory, size, [(sky, starry)]);
        Run(engine, "tubingen-the_scream", tubingen, scream, baseOptions, outputDirectory, size);

        // 2. Colour control: plain, luminance only, histogram matching.
        foreach (var (name, control) in new[] { ("plain", ColourControl.None), ("luminance", ColourControl.LuminanceOnly), ("histogram", ColourControl.HistogramMatch) })
        {
            Run(engine, $"tubingen-matisse-{name}", tubingen, matisse, baseOptions with { ColourControl = control }, outputDirectory, size);
        }

        // 3. Scale control: the coarse layers of one painting with the fine layers of the other, and the other way round.
        IReadOnlyList<LayerWeight> coarse = [new("layer2"), new("layer3")], fine = [new("relu1"), new("layer1")];
        Run(engine, "tubingen-coarse-starry-fine-scream", tubingen, null,
            baseOptions with { BlendComponents = [new BlendComponentLayers(1, coarse), new BlendComponentLayers(1, fine)] }, outputDirectory, size, blend: [starry, scream]);
        Run(engine, "tubingen-coarse-scream-fine-starry", tubingen, null,
            baseOptions with { BlendComponents = [new BlendComponentLayers(1, coarse), new BlendComponentLayers(1, fine)] }, outputDirectory, size, blend: [scream, starry]);
    }

    /// <summary>
    /// A sky mask from a photo: per column, from the top down, the pixels that look like sky (bright, at least as blue as
    /// red, not strongly saturated unless blue), crossing gaps of at most 1 % of the height (cables, wires); then a box blur
    /// of 0.5 % of the width for a soft edge.
    /// </summary>
    public static RegionMask SkyMask(RgbImage photo)
    {
        var (w, h) = (photo.Width, photo.Height);
        var values = new float[w * h];
        var gap = Math.Max(2, h / 100);
        for (var x = 0; x < w; x++)
        {
            var misses = 0;
            for (var y = 0; y < h * 3 / 4 && misses <= gap; y++)
            {
                var o = (y * w + x) * 3;
                int r = photo.Pixels[o], g = photo.Pixels[o + 1], b = photo.Pixels[o + 2];
                var bright = (r + g + b) / 3;
                var sky = bright >= 95 && b >= r - 4 && (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) < 60 || b > r + 20);
                if (sky)
                {
                    for (var k = y - misses; k <= y; k++)
                    {
                        values[k * w + x] = 1;
                    }
                    misses = 0;
                }
                else
                {
                    misses++;
                }
            }
        }
        return new RegionMask(w, h, Blur(values, w, h, Math.Max(1, w / 200)));
    }

    private static float[] Blur(float[] values, int w, int h, int radius)
    {
        var rows = new float[values.Length];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float sum = 0;
                var n = 0;
                for (var k = Math.Max(0, x - radius); k <= Math.Min(w - 1, x + radius); k++, n++)
                {
                    sum += values[y * w + k];
                }
                rows[y * w + x] = sum / n;
            }
        }
        var result = new float[values.Length];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float sum = 0;
                var n = 0;
                for (var k = Math.Max(0, y - radius); k <= Math.Min(h - 1, y + radius); k++, n++)
                {
                    sum += rows[k * w + x];
                }
                result[y * w + x] = sum / n;
            }
        }
        return result;
    }

    private static RgbImage ToImage(RegionMask mask) =>
        new(mask.Width, mask.Height, [.. mask.Values.SelectMany(v => Enumerable.Repeat((byte)Math.Round(v * 255), 3))]);

    // One run as the service makes it: style targets at the output's side (style scale 1), against the photo for colour
    // control; regions' styles likewise; a blend's components blended per layer.
    private static void Run(StyleTransferEngine engine, string name, RgbImage photo, RgbImage? style, StyleTransferOptions options, string outputDirectory,
        int size, IReadOnlyList<(RegionMask Mask, RgbImage Style)>? regions = null, IReadOnlyList<RgbImage>? blend = null)
    {
        var clock = Stopwatch.StartNew();
        var plan = engine.Plan(photo.Width, photo.Height, options);
        var (w, h) = (plan.Width, plan.Height);
        var content = ImageCodec.Resize(photo, w, h);
        IReadOnlyList<StyleTargets> targets = style is not null
            ? engine.ComputeLevelTargets(style, size, plan, content)
            : [ScaleControl.Blend([.. blend!.Select(s => (engine.ComputeLevelTargets(s, size, plan, content)[0], 1.0))], plan)];
        var runRegions = (regions ?? []).Select(r => new StyleRegion(r.Mask, engine.ComputeLevelTargets(r.Style, size, plan, content))).ToList();
        var result = engine.Run(content, targets, plan, new RunInputs { Regions = runRegions });
        File.WriteAllBytes(Path.Combine(outputDirectory, name + ".jpg"), ImageCodec.Encode(result.Image, ImageFormat.Jpeg, 90));
        Console.WriteLine($"  {name}: {w}x{h}, {result.IterationsRun} iterations, {clock.Elapsed.TotalSeconds:F1} s, total loss {result.Final.TotalLoss:E3} (content {result.Final.ContentLoss:E3}, style {result.Final.StyleLoss:E3})");
    }
}
