using System.Diagnostics;
using System.Globalization;
using StyleGrpc.Bench;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;

// Usage: dotnet run -c Release --project bench/StyleGrpc.Bench -- [--quick] [--vgg19 PATH] [--images DIR]
// Prints ms/step (median after warm-up) for VGG19 (gatys and seed presets) and the offline default,
// at 256 and 512 px, for each optimiser.
var quick = args.Contains("--quick");
var vggPath = ArgValue(args, "--vgg19");
var imagesDir = ArgValue(args, "--images") ?? Path.Combine(BenchPaths.RepositoryRoot, "..", "shared", "images");
var sizes = quick ? new[] { 256 } : [256, 512];
var timedSteps = quick ? 5 : 10;
const int warmup = 3;

TorchRuntime.EnsureLoaded();
Console.WriteLine($"StyleGrpc bench {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, CPU: {BenchPaths.CpuModel()}, torch threads: {TorchSharp.torch.get_num_threads()}");
var content = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(imagesDir, "tubingen.jpg")));
var style = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(imagesDir, "starry_night.jpg")));

string? tempVgg = null;
if (vggPath is null)
{
    // Speed does not depend on the weights' values: a random VGG19 in torchvision's layout stands in
    // when no pretrained file is given, loaded through the same safetensors path users take.
    tempVgg = RandomVgg19.Write();
    vggPath = tempVgg;
    Console.WriteLine("VGG19: random weights in torchvision layout (no --vgg19 file given; timing only)");
}

var rows = new List<string[]>();
using (var vgg = Vgg19Network.Load(vggPath, "relu5_1"))
{
    foreach (var preset in new[] { "seed", "gatys" })
    {
        Measure(vgg, preset);
    }
}
using (var resnet = ResNet18Network.Load())
{
    Measure(resnet, "default");
}
if (tempVgg is not null)
{
    File.Delete(tempVgg);
}

Console.WriteLine();
Console.WriteLine($"{"network",-14} {"preset",-8} {"optimizer",-9} {"size",-9} {"ms/step",8}");
foreach (var row in rows)
{
    Console.WriteLine($"{row[0],-14} {row[1],-8} {row[2],-9} {row[3],-9} {row[4],8}");
}
return 0;

void Measure(IFeatureNetwork network, string preset)
{
    var engine = new StyleTransferEngine(network);
    foreach (var size in sizes)
    {
        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = size, Preset = preset });
        foreach (var optimizer in new[] { OptimizerKind.Lbfgs, OptimizerKind.Adam, OptimizerKind.RmsProp })
        {
            var stamps = new List<TimeSpan>();
            var result = engine.Run(content, targets, new StyleTransferOptions
            {
                MaxSide = size,
                Preset = preset,
                Optimizer = optimizer,
                Iterations = warmup + timedSteps,
            }, p => stamps.Add(p.Elapsed));
            var steps = stamps.Zip(stamps.Skip(1), (a, b) => (b - a).TotalMilliseconds).Skip(warmup - 1).Order().ToList();
            var median = steps[steps.Count / 2];
            rows.Add([network.Info.Name, preset, optimizer.ToString(), $"{result.Image.Width}x{result.Image.Height}", median.ToString("F1", CultureInfo.InvariantCulture)]);
            Console.WriteLine($"  {network.Info.Name} {preset} {optimizer} {size}px: {median:F1} ms/step");
        }
    }
}

static string? ArgValue(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
