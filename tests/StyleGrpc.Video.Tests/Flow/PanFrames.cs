using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Video.Tests.Flow;

/// <summary>The pan clip's frames, decoded once for the flow tests (frame t is frame t−1 moved 2 px left).</summary>
public sealed class PanFrames : IAsyncLifetime
{
    public IReadOnlyList<RgbImage> Frames { get; private set; } = [];

    public async Task InitializeAsync() => Frames = await Clips.DecodeAsync(Clips.Pan);

    public Task DisposeAsync() => Task.CompletedTask;
}
