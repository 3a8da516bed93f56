using System.Globalization;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Engine.Networks;
using static StyleGrpc.Bench.BenchSettings;

namespace StyleGrpc.Bench;

/// <summary>Milliseconds per training iteration for candidate crop sizes, batches and widths (offline default network), for choosing the defaults.</summary>
internal static class FeedForwardSteps
{
    public static void Measure(BenchSettings settings, string[] args)
    {
        var photosDirectory = Array.IndexOf(args, "--photos") is var i and >= 0 ? args[i + 1] : "/usr/share/backgrounds/mate/nature";
        using var network = ResNet18Network.Load();
        var engine = new StyleTransferEngine(network);
        var style = engine.ComputeStyleTargets(ImageCodec.Decode(File.ReadAllBytes(Path.Combine(settings.ImagesDirectory, "starry_night.jpg"))), new StyleTargetOptions());
        var photos = TrainingPhotos.FromDirectory(photosDirectory, ImageCodec.DefaultMaxPixels);
        var trainer = new FeedForwardTrainer(engine);
        foreach (var (size, batch, architecture) in new[]
                 {
                     (256, 4, FeedForwardArchitecture.Default), (256, 2, FeedForwardArchitecture.Default), (192, 4, FeedForwardArchitecture.Default),
                     (256, 4, new FeedForwardArchitecture(16, 32, 64, 3)), (256, 4, new FeedForwardArchitecture(32, 64, 128, 5)),
                 })
        {
            var stamps = new List<TimeSpan>();
            trainer.Train(photos, style, new FeedForwardTrainingOptions { Iterations = 6, ImageSize = size, BatchSize = batch, Architecture = architecture },
                p => stamps.Add(p.Elapsed), null, CancellationToken.None);
            // The first iterations also decode the photos: time the last four.
            var ms = (stamps[^1] - stamps[^5]).TotalMilliseconds / 4;
            Console.WriteLine($"  training {size} px, batch {batch}, widths {architecture}: {F(ms, "F0")} ms/iteration ({F(ms / batch / size / size * 1e6 / 1000, "F2")} µs per crop pixel)");
        }
    }
}
