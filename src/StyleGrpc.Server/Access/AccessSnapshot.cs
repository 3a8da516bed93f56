using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>The access settings in force: the API keys (as hashes with their roles) and the JWT settings. Replaced whole when they reload.</summary>
public sealed class AccessSnapshot
{
    private AccessSnapshot((byte[] Hash, string Role)[] keys, JwtOptions jwt)
    {
        Keys = keys;
        Jwt = jwt;
    }

    /// <summary>The accepted keys: the SHA-256 of each (raw bytes) and its role.</summary>
    public IReadOnlyList<(byte[] Hash, string Role)> Keys { get; }

    /// <summary>The JWT settings; <see cref="JwtOptions.Enabled"/> says whether tokens are accepted.</summary>
    public JwtOptions Jwt { get; }

    /// <summary>True when no caller needs credentials (no keys, no JWT): every caller is the anonymous admin.</summary>
    public bool IsOpen => Keys.Count == 0 && !Jwt.Enabled;

    /// <summary>The access settings of <paramref name="options"/>, which must have passed validation.</summary>
    public static AccessSnapshot From(StyleGrpcServerOptions options) =>
        new([.. options.Keys.Select(k => (Convert.FromHexString(k.Sha256), k.Role))], options.Jwt);
}
