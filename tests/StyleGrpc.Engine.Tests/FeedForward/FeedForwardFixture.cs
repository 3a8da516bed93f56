using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Tests.Engine;

namespace StyleGrpc.Engine.Tests.FeedForward;

/// <summary>The small reference VGG19 engine, its 64 px style targets, and four real photos copied to a folder of their own.</summary>
public sealed class FeedForwardFixture : IDisposable
{
    public FeedForwardFixture()
    {
        Engine = new EngineFixture();
        Directory = TestData.NewTempDirectory();
        foreach (var name in new[] { "tubingen.jpg", "storm.jpg", "garden.jpg", "dune.jpg" })
        {
            File.Copy(TestData.Image(name), Path.Combine(Directory, name));
        }
        // Not a photo: must be skipped by extension.
        File.WriteAllText(Path.Combine(Directory, "notes.txt"), "not a photo");
        Photos = TrainingPhotos.FromDirectory(Directory, 40_000_000);
    }

    public EngineFixture Engine { get; }

    public string Directory { get; }

    public TrainingPhotos Photos { get; }

    /// <summary>Small, fast settings: 64 px crops, batch 2, narrow widths.</summary>
    public static FeedForwardTrainingOptions Small { get; } = new()
    {
        Iterations = 20, ImageSize = 64, BatchSize = 2, LearningRate = 1e-2, Seed = 3, Architecture = new FeedForwardArchitecture(8, 16, 16, 2),
    };

    public void Dispose()
    {
        Engine.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
