using System.ComponentModel;

namespace StyleGrpc.Server.Settings;

/// <summary>Where the network runs, <c>StyleGrpc:Device</c>.</summary>
[TypeConverter(typeof(SettingChoiceConverter<DeviceSetting>))]
public enum DeviceSetting
{
    /// <summary>CUDA when libtorch reports a device, else the CPU. The default.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>The CUDA device; the start fails where there is none.</summary>
    [AlsoAccepted("gpu")]
    Cuda,
}
