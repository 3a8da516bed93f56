namespace StyleGrpc.Server.Jobs;

/// <summary>How a Stylize job makes its picture.</summary>
public enum StylizeMethod
{
    /// <summary>Gatys et al.: the image is optimised against the style's targets (the default).</summary>
    Optimization,

    /// <summary>One pass of the registered style's trained feed-forward network: no iterations.</summary>
    FeedForward,
}
