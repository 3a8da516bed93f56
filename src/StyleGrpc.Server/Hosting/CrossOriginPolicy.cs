using Microsoft.AspNetCore.Cors.Infrastructure;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// The CORS policy of the HTTP face (<c>StyleGrpc:Http:CorsOrigins</c>): which origins, and the methods and headers a
/// browser app needs for the JSON API and for gRPC-Web. No credentials mode: callers authenticate with the
/// <c>authorization</c> header, which CORS allows by name (also with <c>*</c>), never with cookies.
/// </summary>
public static class CrossOriginPolicy
{
    /// <summary>The JSON API's verbs (gRPC-Web is POST).</summary>
    public static readonly string[] Methods = ["GET", "POST", "DELETE"];

    /// <summary>
    /// Request headers beyond the CORS-safelisted ones: the credential, JSON and gRPC-Web content types, and what gRPC-Web
    /// clients send (<c>x-grpc-web</c>, <c>x-user-agent</c>, a deadline as <c>grpc-timeout</c>). Named one by one: a
    /// wildcard would not cover <c>authorization</c> anyway.
    /// </summary>
    public static readonly string[] RequestHeaders = ["authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"];

    /// <summary>
    /// Response headers a script may read beyond the safelisted ones: gRPC's status (in the headers of a trailers-only
    /// gRPC-Web answer, such as a refused key), and the bearer challenge of a JSON 401.
    /// </summary>
    public static readonly string[] ResponseHeaders = ["grpc-status", "grpc-message", "grpc-status-details-bin", "www-authenticate"];

    /// <summary>How long a browser may reuse a preflight's answer.</summary>
    public static readonly TimeSpan PreflightMaxAge = TimeSpan.FromMinutes(10);

    /// <summary>Configures <paramref name="policy"/> for <paramref name="origins"/> (validated: <see cref="CorsOrigin.Check"/>).</summary>
    public static void Configure(CorsPolicyBuilder policy, IReadOnlyList<string> origins)
    {
        if (origins is [CorsOrigin.Any])
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins([.. origins]);
        }
        policy.WithMethods(Methods).WithHeaders(RequestHeaders).WithExposedHeaders(ResponseHeaders).SetPreflightMaxAge(PreflightMaxAge);
    }
}
