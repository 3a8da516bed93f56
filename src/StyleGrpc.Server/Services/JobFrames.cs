using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs.Events;
using StyleGrpc.Server.Operations;
using ImageFormat = StyleGrpc.Engine.Imaging.ImageFormat;

namespace StyleGrpc.Server.Services;

/// <summary>A job's events as the contract's Stylize frames, by <see cref="ResponseMapper"/>.</summary>
public sealed class JobFrames : IJobFrames
{
    public StylizeResponse ToFrame(JobEvent item, ImageFormat format, int quality) => ResponseMapper.ToFrame(item, format, quality);
}
