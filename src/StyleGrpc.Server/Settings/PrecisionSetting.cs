using System.ComponentModel;

namespace StyleGrpc.Server.Settings;

/// <summary>Number format of the network's convolutions, <c>StyleGrpc:Precision</c>.</summary>
[TypeConverter(typeof(SettingChoiceConverter<PrecisionSetting>))]
public enum PrecisionSetting
{
    /// <summary>bfloat16 on CPUs with native bf16 dot products, else float32. The default.</summary>
    Auto,

    /// <summary>float32 everywhere.</summary>
    [AlsoAccepted("fp32")]
    Float32,

    /// <summary>bfloat16 inside the network (slow on CPUs without native bf16 dot products).</summary>
    [AlsoAccepted("bf16")]
    BFloat16,
}
