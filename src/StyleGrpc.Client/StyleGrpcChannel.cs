using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace StyleGrpc.Client;

/// <summary>Builds channels with StyleGrpc's settings: raised message limits, retries for unary calls, optional API key.</summary>
public static class StyleGrpcChannel
{
    internal const string ServiceName = "stylegrpc.v1.StyleTransferService";

    private static readonly string[] UnaryMethods = ["RegisterStyle", "GetStyle", "ListStyles", "DeleteStyle", "GetServerInfo"];

    /// <summary>A channel for <paramref name="options"/>. Dispose it when done.</summary>
    public static GrpcChannel Create(StyleGrpcClientOptions options)
    {
        var channelOptions = new GrpcChannelOptions();
        Configure(channelOptions, options);
        return GrpcChannel.ForAddress(options.Address, channelOptions);
    }

    /// <summary>Applies message limits, the retry policy and credentials to <paramref name="channel"/>.</summary>
    public static void Configure(GrpcChannelOptions channel, StyleGrpcClientOptions options)
    {
        channel.MaxReceiveMessageSize = options.MaxMessageBytes;
        channel.MaxSendMessageSize = options.MaxMessageBytes;
        channel.ServiceConfig = RetryConfig(options.MaxAttempts);
        channel.HttpHandler = CreateHandler(options);
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            channel.Credentials = options.Address.Scheme == Uri.UriSchemeHttps
                ? ChannelCredentials.Create(ChannelCredentials.SecureSsl, ApiKeyCredentials(options.ApiKey))
                : ChannelCredentials.Create(ChannelCredentials.Insecure, ApiKeyCredentials(options.ApiKey));
            // The key travels in clear text on h2c; that is the operator's choice for a loopback or private network.
            channel.UnsafeUseInsecureChannelCallCredentials = options.Address.Scheme != Uri.UriSchemeHttps;
        }
    }

    /// <summary>
    /// The HTTP handler of a channel: several HTTP/2 connections when one is full, and, with
    /// <see cref="StyleGrpcClientOptions.CaCertificatePath"/>, server certificates checked against that CA
    /// (host name included) instead of the system's trust store.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(StyleGrpcClientOptions options)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (!string.IsNullOrEmpty(options.CaCertificatePath))
        {
            var authority = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaCertificatePath));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
            };
        }
        return handler;
    }

    /// <summary>Call credentials adding <c>authorization: Bearer {key}</c>.</summary>
    public static CallCredentials ApiKeyCredentials(string apiKey) =>
        CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", "Bearer " + apiKey);
            return Task.CompletedTask;
        });

    // Retries only UNAVAILABLE, only on unary methods: a Stylize stream that started is never replayed.
    internal static ServiceConfig? RetryConfig(int maxAttempts)
    {
        if (maxAttempts <= 1)
        {
            return null;
        }
        var method = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = Math.Min(maxAttempts, 5),
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(3),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var name in UnaryMethods)
        {
            method.Names.Add(new MethodName { Service = ServiceName, Method = name });
        }
        return new ServiceConfig { MethodConfigs = { method } };
    }
}
