using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs.Events;
using ImageFormat = StyleGrpc.Engine.Imaging.ImageFormat;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// The contract's form of a job's events: the frames watchers get and the job store keeps (each encoded once, in the job's
/// output format). Jobs publish domain events (<see cref="JobEvent"/>); the edge (<c>Services/</c>) implements this, so
/// nothing below it maps to the contract itself.
/// </summary>
public interface IJobFrames
{
    /// <summary>The frame of <paramref name="item"/>, its images encoded as <paramref name="format"/> at <paramref name="quality"/>.</summary>
    StylizeResponse ToFrame(JobEvent item, ImageFormat format, int quality);
}
