using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Optimization;
using EngineFormat = StyleGrpc.Engine.Imaging.ImageFormat;
using ProtoColour = StyleGrpc.Protos.V1.ColorControl;
using ProtoFormat = StyleGrpc.Protos.V1.ImageFormat;
using ProtoInit = StyleGrpc.Protos.V1.Init;
using ProtoOptimizer = StyleGrpc.Protos.V1.Optimizer;
using ProtoMethod = StyleGrpc.Protos.V1.Method;
using ProtoFeedForwardState = StyleGrpc.Protos.V1.FeedForwardNetwork.Types.State;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Storage;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Services;

/// <summary>The one mapping between the contract's enums and the engine's, both ways; UNSPECIFIED means the default.</summary>
public static class ProtoEnums
{
    public static OptimizerKind ToEngine(ProtoOptimizer value) => value switch
    {
        ProtoOptimizer.Adam => OptimizerKind.Adam,
        ProtoOptimizer.Rmsprop => OptimizerKind.RmsProp,
        _ => OptimizerKind.Lbfgs,
    };

    public static ProtoOptimizer ToProto(OptimizerKind value) => value switch
    {
        OptimizerKind.Adam => ProtoOptimizer.Adam,
        OptimizerKind.RmsProp => ProtoOptimizer.Rmsprop,
        _ => ProtoOptimizer.Lbfgs,
    };

    public static InitKind ToEngine(ProtoInit value) => value switch
    {
        ProtoInit.Noise => InitKind.Noise,
        ProtoInit.Blend => InitKind.Blend,
        ProtoInit.FeedForward => InitKind.FeedForward,
        _ => InitKind.Content,
    };

    public static ProtoInit ToProto(InitKind value) => value switch
    {
        InitKind.Noise => ProtoInit.Noise,
        InitKind.Blend => ProtoInit.Blend,
        InitKind.FeedForward => ProtoInit.FeedForward,
        _ => ProtoInit.Content,
    };

    public static StylizeMethod ToEngine(ProtoMethod value) => value == ProtoMethod.FeedForward ? StylizeMethod.FeedForward : StylizeMethod.Optimization;

    public static ProtoMethod ToProto(StylizeMethod value) => value == StylizeMethod.FeedForward ? ProtoMethod.FeedForward : ProtoMethod.Optimization;

    public static ProtoFeedForwardState ToProto(FeedForwardState value) => value switch
    {
        FeedForwardState.Training => ProtoFeedForwardState.Training,
        FeedForwardState.Ready => ProtoFeedForwardState.Ready,
        FeedForwardState.Failed => ProtoFeedForwardState.Failed,
        _ => ProtoFeedForwardState.None,
    };

    public static EngineFormat ToEngine(ProtoFormat value) => value switch
    {
        ProtoFormat.Jpeg => EngineFormat.Jpeg,
        ProtoFormat.Webp => EngineFormat.Webp,
        _ => EngineFormat.Png,
    };

    public static ProtoFormat ToProto(EngineFormat value) => value switch
    {
        EngineFormat.Jpeg => ProtoFormat.Jpeg,
        EngineFormat.Webp => ProtoFormat.Webp,
        _ => ProtoFormat.Png,
    };

    public static VideoContainer ToEngine(Protos.V1.VideoFormat value) =>
        value == Protos.V1.VideoFormat.Webm ? VideoContainer.WebmVp9 : VideoContainer.Mp4H264;

    public static Protos.V1.VideoFormat ToProto(VideoContainer value) =>
        value == VideoContainer.WebmVp9 ? Protos.V1.VideoFormat.Webm : Protos.V1.VideoFormat.Mp4;

    /// <summary>The contract's name of a precision: <c>float32</c> or <c>bfloat16</c>.</summary>
    /// <summary>UNSPECIFIED is <see cref="ColourControl.None"/>: <c>keep_original_colors</c> then decides (the engine's alias).</summary>
    public static ColourControl ToEngine(ProtoColour value) => value switch
    {
        ProtoColour.KeepOriginal => ColourControl.KeepOriginal,
        ProtoColour.LuminanceOnly => ColourControl.LuminanceOnly,
        ProtoColour.HistogramMatch => ColourControl.HistogramMatch,
        _ => ColourControl.None,
    };

    public static ProtoColour ToProto(ColourControl value) => value switch
    {
        ColourControl.KeepOriginal => ProtoColour.KeepOriginal,
        ColourControl.LuminanceOnly => ProtoColour.LuminanceOnly,
        ColourControl.HistogramMatch => ProtoColour.HistogramMatch,
        _ => ProtoColour.None,
    };

    public static string ToProto(Precision value) => value == Precision.BFloat16 ? "bfloat16" : "float32";
}
