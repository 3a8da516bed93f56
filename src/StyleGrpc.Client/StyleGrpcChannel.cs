using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace StyleGrpc.Client;

/// <summary>Builds channels with StyleGrpc's settings: raised message limits, retries for unary calls, optional API key or bearer token.</summary>
public static class StyleGrpcChannel
{
    internal const string ServiceName = "stylegrpc.v1.StyleTransferService";

    internal const string OperationsServiceName = "google.longrunning.Operations";

    private static readonly string[] UnaryMethods = ["RegisterStyle", "GetStyle", "ListStyles", "DeleteStyle", "GetServerInfo"];

    // All idempotent: asking again for an operation, or to cancel or delete it, does no harm.
    private static readonly string[] OperationMethods = ["GetOperation", "ListOperations", "WaitOperation", "CancelOperation", "DeleteOperation"];

    /// <summary>A channel for <paramref name="options"/>. Dispose it when done.</summary>
    public static GrpcChannel Create(StyleGrpcClientOptions options)
    {
        var channelOptions = new GrpcChannelOptions();
        Configure(channelOptions, options);
        return GrpcChannel.ForAddress(options.Address, channelOptions);
    }

    /// <summary>
    /// Applies message limits, the retry policy, balancing and credentials to <paramref name="channel"/>. A <c>dns:///host:port</c>
    /// address resolves to every replica behind the name and spreads calls over them (round robin), re-resolving as they change.
    /// </summary>
    public static void Configure(GrpcChannelOptions channel, StyleGrpcClientOptions options)
    {
        channel.MaxReceiveMessageSize = options.MaxMessageBytes;
        channel.MaxSendMessageSize = options.MaxMessageBytes;
        var balanced = options.Address.Scheme == "dns";
        channel.ServiceConfig = RetryConfig(options.MaxAttempts, balanced);
        channel.HttpHandler = CreateHandler(options);
        var tls = UsesTls(options);
        var transport = tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        channel.Credentials = CallCredentialsOf(options) is { } call ? ChannelCredentials.Create(transport, call) : (balanced ? transport : null);
        // A key or token on h2c travels in clear text; that is the operator's choice for a loopback or private network.
        channel.UnsafeUseInsecureChannelCallCredentials = !tls;
    }

    /// <summary>TLS for <c>https://</c> addresses, and for <c>dns:///</c> ones when <see cref="StyleGrpcClientOptions.UseTls"/> says so.</summary>
    public static bool UsesTls(StyleGrpcClientOptions options) =>
        options.Address.Scheme == Uri.UriSchemeHttps || (options.Address.Scheme == "dns" && options.UseTls);

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

    /// <summary>
    /// The call credentials <paramref name="options"/> ask for: the API key, the bearer token, or the token provider's token,
    /// each as <c>authorization: Bearer …</c>; null for none.
    /// </summary>
    /// <exception cref="ArgumentException">More than one of them is set.</exception>
    public static CallCredentials? CallCredentialsOf(StyleGrpcClientOptions options)
    {
        var set = new[] { !string.IsNullOrEmpty(options.ApiKey), !string.IsNullOrEmpty(options.BearerToken), options.BearerTokenProvider is not null }.Count(s => s);
        if (set > 1)
        {
            throw new ArgumentException("set one of ApiKey, BearerToken and BearerTokenProvider: a call carries one credential", nameof(options));
        }
        if (options.BearerTokenProvider is { } provider)
        {
            return CallCredentials.FromInterceptor(async (context, metadata) =>
                metadata.Add("authorization", "Bearer " + await provider(context.CancellationToken).ConfigureAwait(false)));
        }
        return !string.IsNullOrEmpty(options.ApiKey) ? ApiKeyCredentials(options.ApiKey)
            : !string.IsNullOrEmpty(options.BearerToken) ? ApiKeyCredentials(options.BearerToken)
            : null;
    }

    /// <summary>Call credentials adding <c>authorization: Bearer {key}</c> (an API key or an access token alike).</summary>
    public static CallCredentials ApiKeyCredentials(string apiKey) =>
        CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", "Bearer " + apiKey);
            return Task.CompletedTask;
        });

    // Retries only UNAVAILABLE, only on unary methods: a Stylize stream that started is never replayed, nor a submission.
    internal static ServiceConfig? RetryConfig(int maxAttempts, bool roundRobin = false)
    {
        var config = new ServiceConfig();
        if (roundRobin)
        {
            config.LoadBalancingConfigs.Add(new RoundRobinConfig());
        }
        if (maxAttempts <= 1)
        {
            return roundRobin ? config : null;
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
        foreach (var name in OperationMethods)
        {
            method.Names.Add(new MethodName { Service = OperationsServiceName, Method = name });
        }
        config.MethodConfigs.Add(method);
        return config;
    }
}
