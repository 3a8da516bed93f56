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

    /// <summary><c>host:port</c>, from the first listen address that is not the HTTP face.</summary>
    public string Value => value ??= Resolve();

    private string Resolve()
    {
        var http = options.Value.Http.Url;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var grpc = addresses.Select(a => new Uri(a)).FirstOrDefault(u => string.IsNullOrEmpty(http) || u.Port != new Uri(http).Port);
        return grpc is null ? Dns.GetHostName() : $"{Dns.GetHostName()}:{grpc.Port}";
    }
}
