using Microsoft.Extensions.Options;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Training;

/// <summary>The operator's training photos (<see cref="TrainingOptions.ContentDirectory"/>), read afresh each time: photos added later count.</summary>
public sealed class TrainingPhotoSource(IOptions<StyleGrpcServerOptions> options)
{
    private readonly StyleGrpcServerOptions settings = options.Value;

    /// <summary>The photos found now; none when no folder is configured.</summary>
    public TrainingPhotos? Open() => string.IsNullOrWhiteSpace(settings.Training.ContentDirectory)
        ? null
        : TrainingPhotos.FromDirectory(settings.Training.ContentDirectory, settings.MaxPixels);

    /// <summary>How many photos a training would find now.</summary>
    public int Count => Open()?.Count ?? 0;
}
