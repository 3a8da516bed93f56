using System.Net;
using System.Net.Sockets;

namespace StyleGrpc.Server.Webhooks;

/// <summary>
/// The one rule of where webhooks may go: a URL must start with an allowed prefix, and an address it resolves to must be
/// public unless that prefix names the address itself (an IP literal). Checked at submission (<see cref="WebhookPolicy"/>)
/// and again on every connection (<see cref="WebhookSender"/>), so a name that resolves elsewhere later (DNS rebinding)
/// gains nothing.
/// </summary>
public static class WebhookUrls
{
    /// <summary>The allowed prefix <paramref name="url"/> starts with (compared as normalised absolute URLs); null when none, or when it is not an absolute http(s) URL without user info.</summary>
    public static Uri? AllowedPrefix(string url, IEnumerable<string> allowed)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.UserInfo.Length > 0)
        {
            return null;
        }
        foreach (var prefix in allowed)
        {
            // Normalised, so "http://Host:80" and "http://host/" agree, and "http://host:80" never matches "http://host:8080/…".
            if (Uri.TryCreate(prefix, UriKind.Absolute, out var p) && uri.AbsoluteUri.StartsWith(p.AbsoluteUri, StringComparison.Ordinal))
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="address"/> may be connected to for a URL under <paramref name="prefix"/>.</summary>
    public static bool MayConnect(IPAddress address, Uri prefix)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (!IsInternal(address))
        {
            return true;
        }
        // An operator who names the address in a prefix means it.
        return IPAddress.TryParse(prefix.IdnHost.Trim('[', ']'), out var named) && (named.IsIPv4MappedToIPv6 ? named.MapToIPv4() : named).Equals(address);
    }

    /// <summary>Loopback, private (RFC 1918, unique-local, carrier-grade NAT), link-local and unspecified addresses.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
        }
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
    }

    /// <summary>The addresses of <paramref name="host"/>: itself when it is an IP literal, else what DNS answers.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
}
