using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Hosting;

namespace StyleGrpc.Server.Services;

/// <summary>
/// When <see cref="StyleGrpcServerOptions.ApiKeys"/> is set, every StyleGrpc call must carry
/// <c>authorization: Bearer {key}</c> with one of them, else UNAUTHENTICATED. Health and reflection
/// stay open so load balancers and generic tools keep working.
/// </summary>
public sealed class ApiKeyInterceptor(IOptions<StyleGrpcServerOptions> options) : Interceptor
{
    private readonly byte[][] keys = options.Value.ApiKeys.Where(k => !string.IsNullOrEmpty(k)).Select(Encoding.UTF8.GetBytes).ToArray();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        if (keys.Length == 0 || !context.Method.StartsWith("/stylegrpc.", StringComparison.Ordinal))
        {
            return;
        }
        var header = context.RequestHeaders.GetValue("authorization");
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "an API key is required: authorization: Bearer <key>"));
        }
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        if (!keys.Any(k => CryptographicOperations.FixedTimeEquals(k, given)))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the API key is not valid"));
        }
    }
}
