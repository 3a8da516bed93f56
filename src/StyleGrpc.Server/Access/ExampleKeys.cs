namespace StyleGrpc.Server.Access;

/// <summary>
/// Keys published as examples (earlier versions of the Kubernetes manifests shipped their hashes): anyone can read them,
/// so a server configured with one refuses to start. Key → its SHA-256.
/// </summary>
public static class ExampleKeys
{
    private static readonly Dictionary<string, string> KeyByHash = new(StringComparer.Ordinal)
    {
        ["ba30f59c2ec033f40fcd0f8dc89c9765a4d4ed51ee5140e915a8b3ccd2b43986"] = "change-me-admin",
        ["02e147c1256a2d42c15396d2406a65ae12332b311b336ee9b55e7468a105a1c8"] = "change-me-user",
    };

    /// <summary>The published example key whose hash this is; null for any other hash.</summary>
    public static string? Of(string sha256) => KeyByHash.GetValueOrDefault(sha256);
}
