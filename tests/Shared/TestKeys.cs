using System.Security.Cryptography;
using System.Text;

namespace StyleGrpc.Tests.Shared;

/// <summary>API keys for tests, configured the way operators do: as SHA-256 hashes with a role.</summary>
public static class TestKeys
{
    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Settings for a server that accepts <paramref name="keys"/> (key, role).</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string Role)[] keys)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < keys.Length; i++)
        {
            settings[$"StyleGrpc:Keys:{i}:Sha256"] = Sha256(keys[i].Key);
            settings[$"StyleGrpc:Keys:{i}:Role"] = keys[i].Role;
        }
        return settings;
    }
}
