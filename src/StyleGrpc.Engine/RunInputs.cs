using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Engine;

/// <summary>What every level of one run reads: the content, the style targets per level, the plan and its layers, and where progress goes.</summary>
internal sealed record RunInputs(
    RgbImage Content,
    IReadOnlyList<StyleTargets> LevelTargets,
    RunPlan Plan,
    LayerPlan Layers,
    RunProgress Progress,
    Action<StyleTransferProgress>? OnProgress,
    CancellationToken CancellationToken);
