using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Operations;

/// <summary>This replica as operations name it: its host name and gRPC listen port, <c>host:port</c>.</summary>
public sealed class ReplicaAddress(IServer server, IOptions<StyleGrpcServerOptions> options)
{
    private string? value;

    /// <summary><c>host:port</c>: the gRPC listen address, the one that is neither the HTTP face nor the metrics endpoint.</summary>
    public string Value => value ??= Resolve();

    private string Resolve()
    {
        var others = new[] { options.Value.Http.Url, options.Value.Metrics.Url }
            .Where(u => !string.IsNullOrEmpty(u)).Select(u => new Uri(u).Port).ToHashSet();
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var grpc = addresses.Select(a => new Uri(a)).FirstOrDefault(u => !others.Contains(u.Port));
        return grpc is null ? Dns.GetHostName() : $"{Dns.GetHostName()}:{grpc.Port}";
    }
}
