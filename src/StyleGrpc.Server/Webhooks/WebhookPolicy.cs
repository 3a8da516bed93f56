using System.Net.Sockets;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Webhooks;

/// <summary>
/// Decides a submission's notification URL once: the request's own, else the caller's default; refused (INVALID_ARGUMENT
/// naming <c>notification.url</c>) when webhooks are off, when no allowed prefix starts it, or when its host resolves to an
/// internal address no prefix names.
/// </summary>
public sealed class WebhookPolicy(IOptions<StyleGrpcServerOptions> options)
{
    private const string Field = "notification.url";

    /// <summary>The URL to notify when the job ends; null for none.</summary>
    public async Task<string?> ResolveAsync(string? requested, string caller, CancellationToken cancellationToken)
    {
        var settings = options.Value.Webhooks;
        var url = string.IsNullOrEmpty(requested) ? settings.DefaultUrlOf(caller) : requested;
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        if (!settings.Enabled)
        {
            throw new RequestFieldException(Field, "webhooks are off on this server (StyleGrpc:Webhooks:AllowedUrls is empty); leave notification unset");
        }
        var prefix = WebhookUrls.AllowedPrefix(url, settings.AllowedUrls)
            ?? throw new RequestFieldException(Field, $"must be an absolute http(s) URL starting with one of the server's allowed prefixes ({string.Join(", ", settings.AllowedUrls)})");
        var host = new Uri(url).IdnHost;
        System.Net.IPAddress[] addresses;
        try
        {
            addresses = await WebhookUrls.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new RequestFieldException(Field, $"its host '{host}' does not resolve ({ex.SocketErrorCode})");
        }
        if (addresses.Length == 0)
        {
            throw new RequestFieldException(Field, $"its host '{host}' does not resolve");
        }
        if (addresses.FirstOrDefault(a => !WebhookUrls.MayConnect(a, prefix)) is { } refused)
        {
            throw new RequestFieldException(Field, $"its host '{host}' resolves to {refused}, a private, loopback or link-local address that no allowed prefix names");
        }
        return url;
    }
}
