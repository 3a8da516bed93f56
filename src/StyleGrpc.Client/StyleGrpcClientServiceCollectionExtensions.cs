using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace StyleGrpc.Client;

/// <summary>Registers <see cref="StyleGrpcClient"/> (also as <see cref="IStyleGrpcClient"/>) with the gRPC client factory.</summary>
public static class StyleGrpcClientServiceCollectionExtensions
{
    /// <summary>Adds <see cref="StyleGrpcClient"/> with options bound from <paramref name="configuration"/> (e.g. section <c>StyleGrpc:Client</c>).</summary>
    public static IHttpClientBuilder AddStyleGrpcClient(this IServiceCollection services, IConfiguration configuration) =>
        services.AddStyleGrpcClient(o => configuration.Bind(o));

    /// <summary>Adds <see cref="StyleGrpcClient"/> configured in code.</summary>
    public static IHttpClientBuilder AddStyleGrpcClient(this IServiceCollection services, Action<StyleGrpcClientOptions> configure)
    {
        services.AddOptions<StyleGrpcClientOptions>().Configure(configure);
        var builder = services
            .AddGrpcClient<FactoryCallInvoker>((sp, o) =>
                o.Address = sp.GetRequiredService<IOptions<StyleGrpcClientOptions>>().Value.Address)
            .ConfigureChannel((sp, channel) =>
            {
                var options = sp.GetRequiredService<IOptions<StyleGrpcClientOptions>>().Value;
                StyleGrpcChannel.Configure(channel, options);
                // The factory owns the handler (below) and the credentials (the call credentials below).
                channel.HttpHandler = null;
                channel.Credentials = null;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => StyleGrpcChannel.CreateHandler(sp.GetRequiredService<IOptions<StyleGrpcClientOptions>>().Value))
            .AddCallCredentials(async (context, metadata, sp) =>
            {
                var options = sp.GetRequiredService<IOptions<StyleGrpcClientOptions>>().Value;
                // Checked as the channel does (one credential at most), then the same header.
                _ = StyleGrpcChannel.CallCredentialsOf(options);
                var value = options.BearerTokenProvider is { } provider ? await provider(context.CancellationToken).ConfigureAwait(false)
                    : !string.IsNullOrEmpty(options.ApiKey) ? options.ApiKey
                    : options.BearerToken;
                if (!string.IsNullOrEmpty(value))
                {
                    metadata.Add("authorization", "Bearer " + value);
                }
            });
        services.AddTransient(sp => new StyleGrpcClient(
            sp.GetRequiredService<GrpcClientFactory>().CreateClient<FactoryCallInvoker>(builder.Name).Invoker,
            sp.GetRequiredService<IOptions<StyleGrpcClientOptions>>().Value));
        services.AddTransient<IStyleGrpcClient>(sp => sp.GetRequiredService<StyleGrpcClient>());
        return builder;
    }

    /// <summary>What the client factory creates: the configured call invoker, wrapped by <see cref="StyleGrpcClient"/>.</summary>
    internal sealed class FactoryCallInvoker(Grpc.Core.CallInvoker invoker)
    {
        public Grpc.Core.CallInvoker Invoker { get; } = invoker;
    }
}
