namespace StyleGrpc.Engine;

/// <summary>An item of <see cref="StyleTransferEngine.RunAsync"/>'s stream: progress, then one completion.</summary>
public abstract record StyleTransferUpdate;

/// <summary>One iteration finished.</summary>
public sealed record StyleTransferStep(StyleTransferProgress Progress) : StyleTransferUpdate;

/// <summary>The run finished; always the last item.</summary>
public sealed record StyleTransferCompleted(StyleTransferResult Result) : StyleTransferUpdate;
