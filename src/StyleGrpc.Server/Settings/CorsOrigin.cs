namespace StyleGrpc.Server.Settings;

/// <summary>An entry of <c>StyleGrpc:Http:CorsOrigins</c>: an origin exactly as a browser sends it, or <c>*</c> alone.</summary>
public static class CorsOrigin
{
    /// <summary>Any origin; allowed only as the list's one entry.</summary>
    public const string Any = "*";

    /// <summary>What an entry must be, for messages.</summary>
    public const string Rule = "an origin as browsers send it (scheme, host and port if not the default: https://app.example.com, http://127.0.0.1:5173; no path, no trailing slash), or * alone";

    /// <summary>
    /// Failures of the list, each naming its entry (<c>StyleGrpc:Http:CorsOrigins:{i}</c>); none for an empty list. The
    /// browser's Origin header is compared as a string, so an entry that would never match one (a trailing slash, a
    /// path, a default port written out) is refused rather than left to fail silently.
    /// </summary>
    public static IEnumerable<string> Check(IReadOnlyList<string> origins, string setting)
    {
        for (var i = 0; i < origins.Count; i++)
        {
            var origin = origins[i];
            if (origin == Any)
            {
                if (origins.Count > 1)
                {
                    yield return $"{setting}:{i} is * (any origin), which must be the only entry, not one of {origins.Count}";
                }
            }
            else if (!IsOrigin(origin))
            {
                yield return $"{setting}:{i} must be {Rule}, not '{origin}'";
            }
        }
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0
        // The canonical form (no path, query or fragment; default port dropped) is what a browser's Origin header holds.
        && string.Equals(value, $"{uri.Scheme}://{uri.Authority}", StringComparison.OrdinalIgnoreCase);
}
