using System.ComponentModel;

namespace StyleGrpc.Server.Settings;

/// <summary>Where styles are stored, <c>StyleGrpc:Store</c>.</summary>
[TypeConverter(typeof(SettingChoiceConverter<StoreSetting>))]
public enum StoreSetting
{
    /// <summary>The data directory (<see cref="StyleGrpcServerOptions.DataDirectory"/>); one replica. The default.</summary>
    File,

    /// <summary>Redis (<see cref="StyleGrpcServerOptions.Redis"/>), shared by every replica.</summary>
    Redis,
}
