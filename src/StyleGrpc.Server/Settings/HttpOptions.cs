namespace StyleGrpc.Server.Settings;

/// <summary>The HTTP face, <c>StyleGrpc:Http</c>: the JSON API (transcoded from the gRPC contract) and the web page.</summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Plain-HTTP/1.1 address of the JSON API (<c>/v1/...</c>) and the web page (<c>/</c>), apart from the HTTP/2-only gRPC
    /// port. Default <c>http://127.0.0.1:8080</c>; empty switches it off.
    /// </summary>
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Origins of browser apps on other sites that may call the JSON API and gRPC-Web on <see cref="Url"/>, each as a
    /// browser sends it (<c>https://app.example.com</c>, <c>http://127.0.0.1:5173</c>), or <c>*</c> alone for any.
    /// Default empty: no CORS headers at all, so only the page on this port (same origin) calls from a browser. Read at start.
    /// </summary>
    public List<string> CorsOrigins { get; set; } = [];
}
