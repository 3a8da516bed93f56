using System.Net;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Access;

/// <summary>
/// Checks before the server listens that a server with no keys and no JWT settings listens only on loopback unless
/// <see cref="StyleGrpcServerOptions.AllowAnonymous"/> is set (then it warns); the keys themselves are checked with the
/// other settings (<see cref="StyleGrpcServerOptionsValidator"/>).
/// </summary>
public sealed class AccessGuard(IOptions<StyleGrpcServerOptions> options, IConfiguration configuration, ILogger<AccessGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Keys.Count > 0 || o.Jwt.Enabled)
        {
            return Task.CompletedTask;
        }
        var exposed = ConfiguredUrls(configuration).Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0)
        {
            if (!o.AllowAnonymous)
            {
                throw new InvalidOperationException(
                    $"refusing to listen on {string.Join(", ", exposed)} without API keys: set StyleGrpc:Keys or StyleGrpc:Jwt (see docs/server.md), or StyleGrpc:AllowAnonymous=true");
            }
            ServerLog.AnonymousExposed(logger, string.Join(", ", exposed));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every URL the configuration makes Kestrel listen on: its endpoints and <c>urls</c>/<c>ASPNETCORE_URLS</c>.</summary>
    public static IEnumerable<string> ConfiguredUrls(IConfiguration configuration)
    {
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                yield return url;
            }
        }
        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return url;
        }
        // The HTTP face carries the same API, so it counts; the metrics port is read-only and does not.
        if (configuration[$"{StyleGrpcServerOptions.Section}:Http:Url"] is { Length: > 0 } http)
        {
            yield return http;
        }
    }

    /// <summary>True for URLs on localhost, 127.0.0.0/8 or [::1].</summary>
    public static bool IsLoopback(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var rest = start < 0 ? url : url[(start + 3)..];
        var end = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
        var host = end > 0 ? rest[..end] : rest;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
