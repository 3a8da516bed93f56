using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Polly;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Webhooks;

/// <summary>
/// Makes one delivery attempt: POSTs a signed body and says whether the receiver took it (2xx). Every connection checks
/// the address it is about to use against <see cref="WebhookUrls.MayConnect"/> (the name is resolved here, not by the
/// handler), so a name that resolved to a public address at submission and to an internal one now is refused.
/// Redirects are not followed: the URL the request was allowed for is the only one posted to.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient client;
    private readonly ResiliencePipeline attempt;
    private readonly WebhookOptions settings;
    private readonly TimeProvider time;

    public WebhookSender(IOptions<StyleGrpcServerOptions> options, TimeProvider time)
    {
        settings = options.Value.Webhooks;
        this.time = time;
        var allowed = settings.AllowedUrls;
        client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context, allowed, cancellationToken),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        // Polly's timeout bounds the whole attempt (connect, send, answer); the durable retries are the dispatcher's.
        attempt = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds)).Build();
    }

    /// <summary>Null when the receiver answered 2xx; else why the attempt failed.</summary>
    public async Task<string?> SendAsync(string url, string jobId, int attemptNumber, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            return await attempt.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Of(settings.SigningSecret, time.GetUtcNow(), body));
                request.Headers.TryAddWithoutValidation("StyleGrpc-Delivery", $"{jobId}/{attemptNumber}");
                request.Headers.UserAgent.ParseAdd("StyleGrpc-Webhooks/1");
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            return $"no answer within {settings.TimeoutSeconds} s";
        }
        catch (HttpRequestException ex)
        {
            return ex.InnerException is WebhookAddressException refused ? refused.Message : ex.Message;
        }
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, List<string> allowed, CancellationToken cancellationToken)
    {
        var uri = context.InitialRequestMessage.RequestUri!;
        var prefix = WebhookUrls.AllowedPrefix(uri.AbsoluteUri, allowed)
            ?? throw new WebhookAddressException($"{uri} starts with no allowed prefix (StyleGrpc:Webhooks:AllowedUrls)");
        var addresses = await WebhookUrls.ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        var usable = addresses.Where(a => WebhookUrls.MayConnect(a, prefix)).ToList();
        if (usable.Count == 0)
        {
            throw new WebhookAddressException(
                $"{context.DnsEndPoint.Host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}: private, loopback or link-local, and no allowed prefix names it");
        }
        SocketException? last = null;
        foreach (var address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    public void Dispose() => client.Dispose();

    private sealed class WebhookAddressException(string message) : Exception(message);
}
