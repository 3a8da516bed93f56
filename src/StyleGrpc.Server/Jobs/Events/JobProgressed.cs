using StyleGrpc.Engine;

namespace StyleGrpc.Server.Jobs.Events;

/// <summary>An iteration finished.</summary>
/// <param name="Progress">The engine's report, with a preview every <c>preview_every</c> iterations.</param>
/// <param name="FramesCoalesced">Progress events of this job so far replaced by a later one because the reader lagged.</param>
/// <param name="PreviewsDropped">Previews of this job so far dropped because the reader lagged.</param>
public sealed record JobProgressed(StyleTransferProgress Progress, int FramesCoalesced = 0, int PreviewsDropped = 0) : JobEvent;
